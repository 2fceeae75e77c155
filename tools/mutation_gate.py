"""Mutation gate (issue 13, item 7): how many wrong backward rules each check catches.

    python -m tools.mutation_gate                  # every mutant (up to 15 minutes on 2 cores)
    python -m tools.mutation_gate --limit 40       # a seeded sample of 40 (the count is still
                                                   # reported for all generated)
    python -m tools.mutation_gate --only div --jobs 1
    python -m tools.mutation_gate --list           # print the mutants, run nothing

Every rule of the engine — each class in tinygrad_edu/ whose `backward(ctx, …)` is a rule, as
derivations/engine_bridge.py finds them (the Op and Function bases and the adapter are
machinery, not rules) — is parsed with `ast`, and single-node mutants are generated from it,
none picked by hand:

    binop      + ↔ −,  * ↔ /
    negate     a unary − (or a mask's ~) removed; − added to an arithmetic node, to the
               upstream gradient and to each returned gradient
    transpose  swap_last(x), transpose(x), permute(x, …), argsort(p), x.T dropped
    constant   c → c + 1, c → 2c, c → −c  (a literal −c is one constant)
    scale      each returned gradient e → 2 · e
    compare    > ↔ ≥, < ↔ ≤, > ↔ <, ≥ ↔ ≤, == ↔ !=
    order      two entries of a returned tuple swapped; two names of a tuple unpacking swapped

A mutant is written into a copy of the repository (`git archive HEAD`, one copy per job, the
file restored after each mutant; /work/main's files are never touched) and judged by:

    (a) derivations   python -m derivations check-engine <the rule's derivations>, and when
                      that passes, the whole check-engine (the MLP chains run the rule too)
    (b) PyTorch       tests/test_op_properties.py: test_gradients_match_pytorch for the op and
                      the hand-written kink and tie tests naming it (Hypothesis: quick)
    (c) gradcheck     tests/test_op_properties.py::test_gradcheck_float64[op]

A mutant no check can tell apart (`needs_input_grad[1]` → `[-1]` on two inputs) is listed
with its reason in tools/mutation_equivalents.txt; every other one must be killed by (a):
tests/test_mutation_gate.py runs the gate under TINYGRAD_EDU_PROFILE=thorough and asserts it.
"""

import argparse
import ast
import copy
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "tinygrad_edu"
EQUIVALENTS = Path(__file__).resolve().parent / "mutation_equivalents.txt"
MACHINERY = {"Op", "Function", "FunctionOp", "_FunctionOp", "_FunctionBackward"}
KINDS = ("binop", "negate", "transpose", "constant", "scale", "compare", "order")
BINOP_SWAPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult}
COMPARE_FLIPS = {ast.Gt: (ast.GtE, ast.Lt), ast.GtE: (ast.Gt, ast.LtE),
                 ast.Lt: (ast.LtE, ast.Gt), ast.LtE: (ast.Lt, ast.GtE),
                 ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,)}
TRANSPOSES = {"swap_last", "transpose", "permute", "argsort"}
CHECK_TIMEOUT = 240  # seconds for one check of one mutant (a hang is a kill, reported)
WIDTH = 100


# --------------------------------------------------------------------------------------------
# The rules: each class with a backward(ctx, …) rule, the ops it serves
# --------------------------------------------------------------------------------------------

@dataclass
class Rule:
    """One backward method: its file (relative to the repo), class, and the op names and
    derivations that run it (a subclass inheriting it, Minimum from Maximum, runs it too)."""

    path: str
    cls: str
    ops: list
    derivations: list
    node: object = None
    source: str = ""


def rules(root=ROOT):
    """Every rule under tinygrad_edu/, read from the source (nothing of the engine imported)."""
    sys.path.insert(0, str(root))
    try:
        from derivations.engine_bridge import CHECKED_BY
    finally:
        sys.path.pop(0)
    out = []
    for path in sorted((Path(root) / PACKAGE).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        tree = ast.parse(source)
        classes = [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]
        for node in classes:
            method = _rule_of(node)
            if method is None or node.name in MACHINERY:
                continue
            heirs = [c for c in classes if _rule_of(c) is None
                     and node.name in [b.id for b in c.bases if isinstance(b, ast.Name)]]
            served = [node] + heirs
            ops = [n for n in (_op_name(c) for c in served) if n]
            derivs = [d for c in served for d in CHECKED_BY.get(c.name, [])]
            out.append(Rule(str(path.relative_to(root)), node.name, ops, derivs, method,
                            source))
    return out


def _rule_of(node):
    for item in node.body:
        if isinstance(item, ast.FunctionDef) and item.name == "backward" \
                and "ctx" in [a.arg for a in item.args.args]:
            return item
    return None


def _op_name(node):
    for item in node.body:
        if isinstance(item, ast.Assign) and [t.id for t in item.targets
                                             if isinstance(t, ast.Name)] == ["name"] \
                and isinstance(item.value, ast.Constant):
            return item.value.value
    return None


# --------------------------------------------------------------------------------------------
# Mutants: (node, replacement) pairs inside one backward, written back into the file's text
# --------------------------------------------------------------------------------------------

@dataclass
class Mutant:
    rule: Rule
    kind: str
    line: int
    before: str  # the original line(s), stripped
    after: str  # the mutated line(s), stripped
    text: str = field(repr=False, default="")  # the whole mutated file

    @property
    def key(self):
        """A mutant's name in tools/mutation_equivalents.txt: class, original and mutated
        line (no line numbers: others edit these files)."""
        return f"{self.rule.cls} | {self.before} | {self.after}"

    def label(self):
        return f"{self.rule.path}:{self.line} {self.rule.cls} [{self.kind}]"


def _is_none(node):
    return isinstance(node, ast.Constant) and node.value is None


def _value_parts(node):
    """The gradient-valued expressions of a returned value: tuple entries and both branches
    of `x if c else None`, Nones left out."""
    if isinstance(node, ast.Tuple):
        return [p for e in node.elts for p in _value_parts(e)]
    if isinstance(node, ast.IfExp):
        return _value_parts(node.body) + _value_parts(node.orelse)
    return [] if _is_none(node) else [node]


def _number(node):
    """The value of a numeric literal (−c included), else None."""
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) \
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) in (int,
                                                                                       float):
        return -node.operand.value
    return None


def _literal(value):
    return ast.UnaryOp(ast.USub(), ast.Constant(-value)) if value < 0 else ast.Constant(value)


def _replacements(fn):
    """(kind, node, new node) for every single-node mutation of the backward `fn`."""
    upstream = fn.args.args[-1].arg if len(fn.args.args) > 1 else None
    returned = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and node.value is not None:
            returned |= {id(p) for p in _value_parts(node.value)}
    constants_inside = set()
    for node in ast.walk(fn):
        if _number(node) is not None and isinstance(node, ast.UnaryOp):
            constants_inside.add(id(node.operand))
    out = []
    for node in ast.walk(fn):
        if isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS:
            new = copy.deepcopy(node)
            new.op = BINOP_SWAPS[type(node.op)]()
            out.append(("binop", node, new))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Invert)) \
                and _number(node) is None:
            out.append(("negate", node, copy.deepcopy(node.operand)))
        negatable = (isinstance(node, ast.BinOp) and type(node.op) in BINOP_SWAPS) \
            or id(node) in returned \
            or (isinstance(node, ast.Name) and node.id == upstream
                and isinstance(node.ctx, ast.Load))
        if negatable and not isinstance(node, ast.UnaryOp):
            out.append(("negate", node, ast.UnaryOp(ast.USub(), copy.deepcopy(node))))
        if id(node) in returned:
            out.append(("scale", node, ast.BinOp(ast.Constant(2), ast.Mult(),
                                                 copy.deepcopy(node))))
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else None
            method = isinstance(func, ast.Attribute) and not (
                isinstance(func.value, ast.Name) and func.value.id in ("np", "numpy"))
            if name in TRANSPOSES and method:  # x.transpose(…) → x
                out.append(("transpose", node, copy.deepcopy(func.value)))
            elif name in TRANSPOSES and node.args:  # swap_last(x), np.transpose(x, …) → x
                out.append(("transpose", node, copy.deepcopy(node.args[0])))
        if isinstance(node, ast.Attribute) and node.attr in ("T", "mT") \
                and isinstance(node.ctx, ast.Load):
            out.append(("transpose", node, copy.deepcopy(node.value)))
        value = _number(node)
        if value is not None and id(node) not in constants_inside:
            for changed in dict.fromkeys((value + 1, 2 * value, -value)):
                if changed != value or type(changed) is not type(value):
                    if changed != value:
                        out.append(("constant", node, _literal(changed)))
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                for flip in COMPARE_FLIPS.get(type(op), ()):
                    new = copy.deepcopy(node)
                    new.ops[i] = flip()
                    out.append(("compare", node, new))
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            elts = node.value.elts
            for i in range(len(elts)):
                for j in range(i + 1, len(elts)):
                    new = copy.deepcopy(node.value)
                    new.elts[i], new.elts[j] = new.elts[j], new.elts[i]
                    out.append(("order", node.value, new))
        if isinstance(node, ast.Assign) and len(node.targets) == 1 \
                and isinstance(node.targets[0], ast.Tuple) \
                and all(isinstance(e, ast.Name) for e in node.targets[0].elts):
            elts = node.targets[0].elts
            for i in range(len(elts)):
                for j in range(i + 1, len(elts)):
                    new = copy.deepcopy(node.targets[0])
                    new.elts[i], new.elts[j] = new.elts[j], new.elts[i]
                    out.append(("order", node.targets[0], new))
    return out


def _offset(lines, lineno, col):
    return sum(len(line) for line in lines[:lineno - 1]) + col


def _splice(rule, node, new):
    """The rule's file with `node`'s characters replaced by `new` (parenthesised unless an
    atom), or None when the result does not parse to exactly that change."""
    source = rule.source
    lines = source.splitlines(keepends=True)
    # col offsets are in UTF-8 bytes: convert through the encoded lines
    start_line = lines[node.lineno - 1].encode("utf-8")
    end_line = lines[node.end_lineno - 1].encode("utf-8")
    start = _offset(lines, node.lineno, len(start_line[:node.col_offset].decode("utf-8")))
    end = _offset(lines, node.end_lineno, len(end_line[:node.end_col_offset].decode("utf-8")))
    text = ast.unparse(new)
    atom = isinstance(new, (ast.Name, ast.Call, ast.Attribute, ast.Subscript)) or (
        isinstance(new, ast.Constant) and not (isinstance(new.value, (int, float))
                                               and new.value < 0))
    for candidate in ([text, f"({text})"] if atom or isinstance(new, ast.Tuple)
                      else [f"({text})"]):
        mutated = source[:start] + candidate + source[end:]
        if _changes_only(rule, mutated, node, new):
            return mutated
    return None


def _changes_only(rule, mutated, node, new):
    """Whether the backward of `mutated` parses to the rule's backward with `node` replaced
    by `new` (the text outside the node is the original's by construction)."""
    try:
        got = ast.parse(mutated)
    except SyntaxError:
        return False
    got = next(_rule_of(c) for c in ast.walk(got)
               if isinstance(c, ast.ClassDef) and c.name == rule.cls)
    want = copy.deepcopy(rule.node)
    for parent in ast.walk(want):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if _same(item, node):
                        value[i] = new
                        return ast.dump(want) == ast.dump(got)
            elif isinstance(value, ast.AST) and _same(value, node):
                setattr(parent, name, new)
                return ast.dump(want) == ast.dump(got)
    return False


def _same(a, b):
    return isinstance(a, ast.AST) and type(a) is type(b) \
        and getattr(a, "lineno", None) == getattr(b, "lineno", -1) \
        and getattr(a, "col_offset", None) == getattr(b, "col_offset", -1) \
        and getattr(a, "end_col_offset", None) == getattr(b, "end_col_offset", -1) \
        and getattr(a, "end_lineno", None) == getattr(b, "end_lineno", -1)


def mutants(root=ROOT, only=None):
    """Every mutant of every rule (of the rules serving op `only`), duplicates removed."""
    out, seen = [], set()
    for rule in rules(root):
        if only and only not in rule.ops and only != rule.cls:
            continue
        for kind, node, new in _replacements(rule.node):
            text = _splice(rule, node, new)
            if text is None:
                raise RuntimeError(f"{rule.path} {rule.cls}: cannot write the {kind} mutant "
                                   f"{ast.unparse(new)!r} at line {node.lineno}")
            if text in seen:
                continue
            seen.add(text)
            old_lines, new_lines = rule.source.splitlines(), text.splitlines()
            first = node.lineno - 1
            last_old = node.end_lineno
            last_new = last_old - (len(old_lines) - len(new_lines))
            before = " ".join(x.strip() for x in old_lines[first:last_old])
            after = " ".join(x.strip() for x in new_lines[first:last_new])
            out.append(Mutant(rule, kind, node.lineno, before, after, text))
    return out


# --------------------------------------------------------------------------------------------
# Running the checks on a copy of the repository
# --------------------------------------------------------------------------------------------

def make_copy(root=ROOT):
    """A temporary copy of HEAD's files (git archive): the mutants are written there."""
    where = Path(tempfile.mkdtemp(prefix="mutation_gate_"))
    archive = subprocess.run(["git", "-C", str(root), "archive", "HEAD"], check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)
    return where


def _env(where):
    env = dict(os.environ, PYTHONPATH=str(where), PYTHONDONTWRITEBYTECODE="1",
               TINYGRAD_EDU_PROFILE="quick")
    return env


def _run(command, where):
    """(passed, seconds, last output line); a timeout counts as failed."""
    start = time.perf_counter()
    try:
        done = subprocess.run(command, cwd=where, env=_env(where), capture_output=True,
                              text=True, timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return False, time.perf_counter() - start, "timeout"
    lines = (done.stdout + done.stderr).strip().splitlines()
    return done.returncode == 0, time.perf_counter() - start, lines[-1] if lines else ""


def _pytest(nodes, where):
    """One pytest run of the chosen test ids (no -x: each check's tests must run): the failed
    ids, seconds, and whether pytest broke down (a collection error fails every check)."""
    if not nodes:
        return set(), 0.0, False
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--tb=no", "-rf",
                               "-p", "no:cacheprovider", *nodes], cwd=where, env=_env(where),
                              capture_output=True, text=True, timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return set(), time.perf_counter() - start, True
    failed = {line.split()[1] for line in done.stdout.splitlines()
              if line.startswith("FAILED ")}
    broken = done.returncode not in (0, 1) or (done.returncode == 1 and not failed)
    return failed, time.perf_counter() - start, broken


_NODES = {}


def property_nodes(where):
    """tests/test_op_properties.py's test ids in the copy (collected once per copy)."""
    if str(where) not in _NODES:
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "--collect-only",
                               "-p", "no:cacheprovider", "tests/test_op_properties.py"],
                              cwd=where, env=_env(where), capture_output=True, text=True)
        _NODES[str(where)] = [line for line in done.stdout.splitlines() if "::" in line]
    return _NODES[str(where)]


def nodes_for(ops, nodes):
    """(PyTorch tests, gradcheck tests) naming one of the ops: the property tests with the op
    as their spec parameter, and the hand-written tests with it in their name or params."""
    pytorch, gradcheck = [], []
    for node in nodes:
        name, _, params = node.split("::")[1].partition("[")
        params = params.rstrip("]").split("-") if params else []
        words = name.split("_")
        named = any(op in params or _contains(words, op.split("_")) for op in ops)
        if not named or name in ("test_forward_matches_pytorch",
                                 "test_a_spec_applies_to_an_existing_value"):
            continue
        (gradcheck if name == "test_gradcheck_float64" else pytorch).append(node)
    return pytorch, gradcheck


def _contains(words, part):
    return any(words[i:i + len(part)] == part for i in range(len(words) - len(part) + 1))


@dataclass
class Result:
    mutant: Mutant
    killed: dict  # check → True (killed), False (survived), None (no test of that kind)
    seconds: dict
    why: dict


def judge(mutant, where, checks="abc"):
    """Write the mutant into the copy at `where`, run the `checks` (of a, b, c; the others
    are None, not run), restore the file."""
    path = Path(where) / mutant.rule.path
    original = path.read_text(encoding="utf-8")
    path.write_text(mutant.text, encoding="utf-8")
    killed, seconds, why = {}, {}, {}
    try:
        names = list(dict.fromkeys(mutant.rule.derivations))
        killed = {k: None for k in "abc"}
        seconds = {k: 0.0 for k in "abc"}
        why = {k: "not run" for k in "abc"}
        if "a" not in checks:
            names = None
        passed, took, last = _run([sys.executable, "-m", "derivations", "check-engine",
                                   *names], where) if names else (True, 0.0, "no derivation")
        if passed and names is not None:  # missed: the whole check-engine (chains too)
            passed, more, last = _run([sys.executable, "-m", "derivations", "check-engine"],
                                      where)
            took += more
        if names is not None:
            killed["a"], seconds["a"], why["a"] = not passed, took, last
        pytorch, gradcheck = nodes_for(mutant.rule.ops, property_nodes(where))
        pytorch, gradcheck = pytorch * ("b" in checks), gradcheck * ("c" in checks)
        shutil.rmtree(Path(where) / ".hypothesis", ignore_errors=True)  # no replays
        failed, took, broken = _pytest(pytorch + gradcheck, where)
        for check, chosen in (("b", pytorch), ("c", gradcheck)):
            if check not in checks:
                continue
            hit = [n for n in chosen if n in failed]
            killed[check] = None if not chosen else bool(hit) or broken
            seconds[check] = took * len(chosen) / max(1, len(pytorch) + len(gradcheck))
            why[check] = hit[0] if hit else "no test" if not chosen else ""
    finally:
        path.write_text(original, encoding="utf-8")
    return Result(mutant, killed, seconds, why)


# --------------------------------------------------------------------------------------------
# Equivalent mutants: listed with a reason each
# --------------------------------------------------------------------------------------------

def equivalents(path=EQUIVALENTS):
    """{mutant key: reason} from tools/mutation_equivalents.txt: blocks of `mutant: <class>`,
    `  - <original line>`, `  + <mutated line>`, `why: <reason>` (continued on lines
    indented by two spaces)."""
    out, parts, key = {}, None, None
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            continue
        if line.startswith("mutant: "):
            parts, key = [line[len("mutant: "):].strip()], None
        elif line.startswith(("  - ", "  + ")) and parts is not None and key is None:
            parts.append(line[4:].strip())
        elif line.startswith("why: ") and parts is not None and len(parts) == 3:
            key = " | ".join(parts)
            out[key] = line[len("why: "):].strip()
        elif line.startswith("  ") and key:
            out[key] += " " + line.strip()
        else:
            raise ValueError(f"{path}: cannot read the line {line!r}")
    return out


# --------------------------------------------------------------------------------------------
# The gate
# --------------------------------------------------------------------------------------------

def sample(all_mutants, limit, seed=0):
    """`limit` mutants, spread over the rules (seeded), or all of them."""
    if not limit or limit >= len(all_mutants):
        return list(all_mutants)
    return sorted(random.Random(seed).sample(list(all_mutants), limit),
                  key=all_mutants.index)


def run_gate(chosen, jobs=2, progress=None, checks="abc"):
    """Judge each mutant, `jobs` copies of the repository in parallel; the Results in order."""
    copies = [make_copy() for _ in range(max(1, jobs))]
    free = list(copies)
    try:
        for where in copies:
            property_nodes(where)

        def one(mutant):
            where = free.pop()
            try:
                result = judge(mutant, where, checks)
            finally:
                free.append(where)
            if progress:
                progress(result)
            return result
        with ThreadPoolExecutor(max_workers=len(copies)) as pool:
            return list(pool.map(one, chosen))
    finally:
        for where in copies:
            shutil.rmtree(where, ignore_errors=True)


def table(generated, results, known):
    """The report's lines: counts per kind and check, then every mutant (a) does not kill."""
    def row(label, rs, total=None):
        cells = [str(total if total is not None else len(rs)), str(len(rs))]
        for check in "abc":
            ran = [r for r in rs if r.killed[check] is not None]
            cells.append(f"{sum(r.killed[check] for r in ran)}/{len(ran)}")
        cells.append(str(sum(not any(r.killed.values()) for r in rs)))
        return f"| {label} | " + " | ".join(cells) + " |"
    lines = ["| kind | generated | run | (a) derivations | (b) vs PyTorch | (c) gradcheck "
             "| none |", "|---|---|---|---|---|---|---|"]
    for kind in KINDS:
        rs = [r for r in results if r.mutant.kind == kind]
        lines.append(row(kind, rs, sum(m.kind == kind for m in generated)))
    lines.append(row("**all**", results, len(generated)))
    survivors = [r for r in results if r.killed["a"] is False]
    lines += ["", f"Not killed by (a): {len(survivors)} of {len(results)} run "
              f"({sum(r.mutant.key in known for r in survivors)} listed as equivalent)"]
    for r in survivors:
        b, c = ({True: "killed", False: "survives", None: "n/a"}[r.killed[k]] for k in "bc")
        verdict = "equivalent" if r.mutant.key in known else "NOT LISTED: a gap in (a)"
        lines += [f"  {r.mutant.label()}  (b) {b}, (c) {c}  — {verdict}",
                  f"    - {r.mutant.before}", f"    + {r.mutant.after}"]
        if r.mutant.key in known:
            lines.append(f"    why: {known[r.mutant.key]}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tools.mutation_gate",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=0, help="judge a seeded sample of N")
    parser.add_argument("--only", help="only the rule serving this op (or class name)")
    parser.add_argument("--jobs", type=int, default=2, help="copies judged in parallel")
    parser.add_argument("--seed", type=int, default=0, help="the sample's seed")
    parser.add_argument("--checks", default="abc",
                        help="which checks to run: any of a, b, c (default abc)")
    parser.add_argument("--list", action="store_true", help="print the mutants, run nothing")
    args = parser.parse_args(argv)
    generated = mutants(only=args.only)
    if args.only and not generated:
        parser.error(f"--only {args.only}: no backward rule serves that op")
    if args.list:
        for m in generated:
            print(f"{m.label()}\n    - {m.before}\n    + {m.after}")
        print(f"{len(generated)} mutants")
        return 0
    chosen = sample(generated, args.limit, args.seed)
    print(f"{len(generated)} mutants generated from {len(rules())} backward rules; judging "
          f"{len(chosen)} with {args.jobs} job(s)", flush=True)
    start = time.perf_counter()
    done = []

    def progress(r):
        done.append(r)
        marks = "".join(k if r.killed[k] else "-" if r.killed[k] is False else "."
                        for k in "abc")
        print(f"[{len(done):4}/{len(chosen)}] {marks} {r.mutant.label()}: {r.mutant.after}"
              [:WIDTH], flush=True)
        if r.killed["a"] is False:
            print(f"    - {r.mutant.before}\n    + {r.mutant.after}", flush=True)
    results = run_gate(chosen, args.jobs, progress, args.checks)
    seconds = time.perf_counter() - start
    known = equivalents() if EQUIVALENTS.exists() else {}
    print()
    print("\n".join(table(generated, results, known)))
    per = {k: sum(r.seconds[k] for r in results) for k in "abc"}
    print(f"\n{len(results)} mutants judged in {seconds:.0f} s ({args.jobs} job(s)); check time: "
          f"(a) {per['a']:.0f} s, (b) {per['b']:.0f} s, (c) {per['c']:.0f} s")
    gaps = [r for r in results if r.killed["a"] is False and r.mutant.key not in known]
    return 1 if gaps else 0


if __name__ == "__main__":
    sys.exit(main())
