"""Every lesson, typed into a real interactive Python prompt (issue 12).

The doctest run (tutorials/conftest.py) reads the lessons with doctest's parser, which accepts
what a real prompt does not: a blank `...` line inside a class or a loop ends the block at a
prompt, and the rest of the block fails with IndentationError. So here each lesson is replayed
as a learner types it: the `>>> ` and `... ` lines of its ```python blocks, in order, go through
a pipe into `python -i` (the interactive parser, where an empty line ends a block), with one
empty line after each multi-line statement, the Enter a learner presses to end the block.

Each lesson runs in its own fresh interpreter, in a fresh copy of the project holding only what
a clone has (git's tracked and unignored files: no tutorials/out, no .hypothesis), with
matplotlib drawing to files. The interpreter writes a prompt before it reads each line; the
prompts carry a marker character (set by `-c` before the session starts; the prompt text and
everything else are the default), so the transcript splits into one piece per line typed, and
each statement's output is compared with the output the lesson shows below it by pytest's own
doctest checker, with ELLIPSIS and NUMBER only: no whitespace normalisation, so a line wrap or
a missing line counts. A statement fails when it prints a traceback or syntax error the lesson
does not show, when its output differs, or when the prompt disagrees with the lesson about
where a block ends (a line the lesson types after `...` read at `>>>`, or the reverse).
"""

import doctest
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from _pytest.doctest import _get_checker, _get_number_flag  # NUMBER as the doctest run has it

ROOT = Path(__file__).resolve().parent.parent
LESSON_GLOB = "[0-9][0-9]_*.md"
LESSONS = sorted((ROOT / "tutorials").glob(LESSON_GLOB))

PS1, PS2 = ">>> ", "... "
MARK = "\x1e"  # ASCII record separator: printed before each prompt, by nothing else
SET_PROMPTS = f"import sys; sys.ps1, sys.ps2 = {MARK + PS1!r}, {MARK + PS2!r}; del sys"
CHECK_FLAGS = doctest.ELLIPSIS | _get_number_flag()  # pyproject.toml's doctest_optionflags
ERRORS = ("Traceback (most recent call last)", "SyntaxError", "IndentationError")
TIMEOUT_SECONDS = 240  # one lesson; each takes 0.3-4 s on the 2-core machine
WORKERS = os.cpu_count() or 2  # lessons replayed at once


@dataclass
class Statement:
    """One `>>>` statement of a lesson: the lines a learner types and the output shown."""
    lineno: int  # the Markdown line of its `>>>` line
    source: list = field(default_factory=list)  # the typed lines, prompts removed
    want: str = ""  # the output the lesson shows below it


def lesson_statements(text):
    """The statements of a lesson's ```python blocks, in order.

    As doctest reads them: a `>>>` line starts a statement, the `...` lines right after it
    continue it (a bare `...` is a blank typed line), and the lines after those, up to a blank
    line or the next `>>>`, are its output.
    """
    statements, current, reading_source, in_block = [], None, False, False
    for lineno, line in enumerate(text.splitlines(), 1):
        if line.startswith("```"):
            in_block = not in_block and line == "```python"
            current, reading_source = None, False
        elif not in_block:
            continue
        elif line.startswith(">>>"):
            current, reading_source = Statement(lineno, [line[4:]]), True
            statements.append(current)
        elif reading_source and (line == "..." or line.startswith(PS2)):
            current.source.append(line[4:])
        elif not line.strip():
            current, reading_source = None, False
        else:
            assert current is not None, f"line {lineno}: output below no `>>>` statement"
            current.want += line + "\n"
            reading_source = False
    return statements


def typed_lines(statements):
    """[(index of the statement, position in its source, line)] as sent: each statement's
    lines, and after each multi-line one an empty line (position None), the Enter that ends a
    block at a prompt."""
    lines = []
    for index, statement in enumerate(statements):
        lines += [(index, position, line) for position, line in enumerate(statement.source)]
        if len(statement.source) > 1:
            lines.append((index, None, ""))
    return lines


def clone_files():
    """The files a clone of the project has: git's tracked and unignored files, as they are in
    the work tree (a tracked file deleted there is left out)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                             "--exclude-standard"], cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout.split("\0")
    files = [name for name in listed if name and (ROOT / name).is_file()]
    assert files, "git listed no files"
    return files


def fresh_clone(files, destination):
    """Copy files (from clone_files) into destination, a fresh project root."""
    for name in files:
        (destination / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, destination / name)
    return destination


def replay(lesson, workdir):
    """Type the lesson into `python -i` run in workdir: (statements, lines sent, transcript,
    exit code); stderr is merged into stdout, as a terminal shows both."""
    statements = lesson_statements(lesson.read_text(encoding="utf-8"))
    lines = typed_lines(statements)
    typed = "".join(line + "\n" for _, _, line in lines)
    env = dict(os.environ, MPLBACKEND="Agg",  # no window opens
               PYTHONIOENCODING="utf-8")  # a terminal's encoding, whatever the locale here
    done = subprocess.run([sys.executable, "-i", "-u", "-c", SET_PROMPTS], input=typed,
                          cwd=workdir, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, encoding="utf-8", timeout=TIMEOUT_SECONDS)
    return statements, lines, done.stdout, done.returncode


def problems_in(statements, lines, transcript):
    """What a learner typing the lesson would see go differently from the lesson, by line."""
    before_first_prompt, *pieces = transcript.split(MARK)
    assert before_first_prompt == "", f"printed before the first prompt: {before_first_prompt!r}"
    assert len(pieces) == len(lines) + 1, (
        f"{len(lines)} lines sent but {len(pieces)} prompts (one more expected, at the end); "
        f"the transcript ends:\n{transcript[-3000:]}")
    *pieces, at_exit = pieces
    assert at_exit.strip() == PS1.strip(), f"printed at the end of input: {at_exit!r}"

    problems = []  # (Markdown line, message)
    outputs = [""] * len(statements)  # each statement's output, all its lines' pieces together
    for (index, position, line), piece in zip(lines, pieces):
        statement = statements[index]
        prompt, output = piece[:len(PS1)], piece[len(PS1):]
        outputs[index] += output
        if position is None:  # the Enter after a block
            lineno = statement.lineno + len(statement.source) - 1
            typed = f"the Enter after line {lineno}"
        else:
            lineno = statement.lineno + position
            typed = f"line {lineno}, `{line}`,"
        error = next((e for e in ERRORS if e in output and e not in statement.want), None)
        if error:
            problems.append((lineno, f"{typed} printed {error}, which the lesson does not show "
                                     f"there:\n{output}"))
        if position == 0 and prompt != PS1:
            problems.append((lineno, f"{typed} was read at a `...` prompt, still inside the "
                                     f"block before it"))
        elif position and prompt != PS2:
            problems.append((lineno, f"{typed} was read at a new `>>>` prompt: the block of "
                                     f"`{statement.source[0]}` had already ended there"))

    checker = _get_checker()
    for statement, got in zip(statements, outputs):
        if any(e in got and e not in statement.want for e in ERRORS):
            continue  # reported above, at the line that printed it
        if not checker.check_output(statement.want, got, CHECK_FLAGS):
            example = doctest.Example("\n".join(statement.source), statement.want)
            problems.append((statement.lineno, f"line {statement.lineno}, "
                                               f"`{statement.source[0]}`: "
                             + checker.output_difference(example, got, CHECK_FLAGS)))
    return [message for _, message in sorted(problems, key=lambda problem: problem[0])]


@pytest.fixture(scope="module")
def replays(tmp_path_factory):
    """Every lesson's replay started at once, WORKERS at a time: {lesson path: Future}."""
    files = clone_files()
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {
            lesson: pool.submit(replay, lesson,
                                fresh_clone(files, tmp_path_factory.mktemp(lesson.stem)))
            for lesson in LESSONS}
        yield futures
        for future in futures.values():
            future.cancel()


def test_every_lesson_is_replayed(replays):
    files = list((ROOT / "tutorials").glob(LESSON_GLOB))
    assert len(replays) == len(files) >= 11


def test_the_doctest_run_hides_no_whitespace_difference(pytestconfig):
    """The doctest run of the lessons compares outputs as exactly as this replay does."""
    assert "NORMALIZE_WHITESPACE" not in pytestconfig.getini("doctest_optionflags")


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda path: path.stem)
def test_lesson_runs_as_typed_at_a_real_prompt(lesson, replays):
    statements, lines, transcript, returncode = replays[lesson].result()
    examples = doctest.DocTestParser().get_examples(lesson.read_text(encoding="utf-8"))
    assert [("\n".join(s.source) + "\n", s.want) for s in statements] == \
        [(e.source, e.want) for e in examples], "the replay reads the lesson unlike doctest"
    assert statements, "no statement to replay"
    problems = problems_in(statements, lines, transcript)
    assert returncode == 0, f"the interpreter exited with {returncode}"
    if problems:
        pytest.fail(f"{lesson.name}, typed at a real prompt: {len(problems)} problem(s); the "
                    f"first:\n" + "\n".join(problems[:3]), pytrace=False)
