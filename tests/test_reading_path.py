"""README's reading path is the engine a learner reads in an evening: exactly the files it
lists, in that order, with the line counts it states (at most 1,400 lines in all, none over 100
characters), no NumPy private module, and a map of the engine whose every name exists."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tinygrad_edu"
README = (ROOT / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("## Read the engine in an evening"):README.index("## Lessons")]
LISTED = re.findall(r"^\d\. `tinygrad_edu/(\w+\.py)` \(([\d,]+) lines\)", SECTION, re.M)


def lines_of(name):
    return (PACKAGE / name).read_text(encoding="utf-8").splitlines()


def test_the_reading_path_is_tensor_autograd_ops_in_that_order():
    assert [name for name, _ in LISTED] == ["tensor.py", "autograd.py", "ops.py"]


def test_readme_states_each_files_line_count_and_the_total():
    for name, stated in LISTED:
        assert int(stated.replace(",", "")) == len(lines_of(name)), \
            f"README says {name} has {stated} lines; it has {len(lines_of(name))}: update README"
    total = int(re.search(r"([\d,]+) lines in all", SECTION).group(1).replace(",", ""))
    assert total == sum(len(lines_of(name)) for name, _ in LISTED)
    assert total <= 1400


def test_no_reading_path_line_is_over_100_characters():
    long = [(name, i) for name, _ in LISTED for i, line in enumerate(lines_of(name), 1)
            if len(line) > 100]
    assert long == []


def test_the_reading_path_imports_no_private_module():
    """NumPy's private modules (numpy._core…) live in speedups.py, behind named functions."""
    imported = []
    for name, _ in LISTED:
        for node in ast.walk(ast.parse((PACKAGE / name).read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.append(node.module)
    assert imported and not [m for m in imported if any(p.startswith("_") for p in m.split("."))]


def test_every_name_in_the_map_of_the_engine_exists_in_its_files():
    rows = re.findall(r"^\| ([^|]+) \| ([^|]+) \| ([^|]+) \|$", SECTION, re.M)[2:]  # no header
    checked = 0
    for responsibility, files, names in rows:
        sources = ""
        for file in re.findall(r"`([\w/.]+)`", files):
            path = PACKAGE / file
            sources += "".join(p.read_text(encoding="utf-8") for p in
                               (sorted(path.glob("*.py")) if path.is_dir() else [path]))
        for name in re.findall(r"`([\w.()]+)`", names):
            if name.endswith(".py"):  # a file of a folder: it exists
                assert (PACKAGE / files.strip("` ") / name).exists(), name
                continue
            word = name.replace("()", "").split(".")[-1]
            assert re.search(rf"(def|class) {word}\b|^{word} = |\b{word} = ", sources, re.M), \
                (responsibility, name)
            checked += 1
    assert len(rows) >= 20 and checked >= 30
