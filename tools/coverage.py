"""Generate docs/pytorch-coverage.md: which of PyTorch's names the engine has.

    python -m tools.coverage           # rewrite docs/pytorch-coverage.md (and
                                       # tinygrad_edu/torch_tensor_names.py)
    python -m tools.coverage --check   # exit 1 if a file is not what this would write

For five namespaces (torch, torch.nn, torch.nn.functional, torch.Tensor's and nn.Module's
methods) each name of issue 15's scope (tinygrad_edu/scope.py, the one list) is marked present
or missing, then come the engine's names beyond the scope, then every other public name of the
installed PyTorch, out of scope.  tests/test_pytorch_scope.py fails when the file is stale.
PyTorch's public names: dir() without leading underscores and typing helpers, its imported
modules left out (NumPy, math) and its own submodules read from the package instead.
"""

import pkgutil
import sys
import textwrap
from pathlib import Path

import torch
import torch.nn
import torch.nn.functional

import tinygrad_edu
import tinygrad_edu.nn
import tinygrad_edu.nn.functional
from tinygrad_edu import scope

DOC = Path(__file__).resolve().parent.parent / "docs" / "pytorch-coverage.md"
# torch.Tensor's public names, recorded for the package (which never imports torch): scope.py
# stands a NotInEngine placeholder on Tensor for each one the engine lacks
TENSOR_NAMES = Path(__file__).resolve().parent.parent / "tinygrad_edu" / "torch_tensor_names.py"
WIDTH = 100


def tensor_scope():
    """torch.Tensor's methods in scope: the names of scope.TORCH's groups (but those in
    scope.TENSOR_EXCLUDED) that PyTorch's Tensor has as methods."""
    groups = {g: n for g, n in scope.TORCH.items() if g not in scope.TENSOR_EXCLUDED}
    return {g: " ".join(n for n in names.split() if hasattr(torch.Tensor, n))
            for g, names in groups.items()}


def namespaces():
    """(title, PyTorch's object, the engine's object, the scope's groups) for each namespace."""
    return [
        ("torch", torch, tinygrad_edu, scope.TORCH),
        ("torch.nn", torch.nn, tinygrad_edu.nn, scope.NN),
        ("torch.nn.functional", torch.nn.functional, tinygrad_edu.nn.functional,
         scope.FUNCTIONAL),
        ("torch.Tensor", torch.Tensor, tinygrad_edu.Tensor, tensor_scope()),
        ("torch.nn.Module", torch.nn.Module, tinygrad_edu.nn.Module, {}),
    ]


def has(obj, dotted):
    """Whether obj has the (dotted) attribute; a NotInEngine error counts as absent."""
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return False
    return True


def public_names(title, obj):
    """PyTorch's public names in a namespace (see the module docstring): its submodules are
    read from the package, not from what happens to be imported already."""
    names = set()
    for name in dir(obj):
        if name.startswith("_") or name == "TYPE_CHECKING":
            continue
        value = getattr(obj, name, None)
        if type(value).__name__ == "module" or getattr(value, "__module__", None) == "typing":
            continue
        names.add(name)
    if hasattr(obj, "__path__"):
        names |= {m.name for m in pkgutil.iter_modules(obj.__path__)
                  if not m.name.startswith("_")}
    return names


def engine_names(title, obj, theirs):
    """The engine's public names: a module's __all__ and whatever else of it PyTorch's
    namespace also names (torch.serialization, …); the Tensor's methods and properties."""
    if title in ("torch.Tensor", "torch.nn.Module"):  # a class: what has() finds there (a
        # Tensor's NotInEngine placeholder is in dir() but not there)
        return {n for n in dir(obj) if not n.startswith("_") and has(obj, n)}
    names = set(obj.__all__)
    names |= {n for n, v in vars(obj).items() if n in theirs and type(v).__name__ != "module"}
    if hasattr(obj, "__path__"):  # a package: its submodules, imported yet or not
        names |= {m.name for m in pkgutil.iter_modules(obj.__path__) if m.name in theirs}
    return names


def status(title, theirs, ours, groups):
    """{'present': [...], 'missing': [...], 'beyond': [...], 'out': [...]}, and rows per group."""
    in_scope = scope.scope_names(groups)
    rows = {g: [(n, has(ours, n)) for n in names.split()] for g, names in groups.items()}
    present = [n for n in in_scope if has(ours, n)]
    missing = [n for n in in_scope if not has(ours, n)]
    tops = {n.split(".")[0] for n in in_scope}
    pytorch = public_names(title, theirs)
    mine = engine_names(title, ours, pytorch)
    beyond = sorted(mine - tops)
    out = sorted(pytorch - tops - mine)
    return dict(present=present, missing=missing, beyond=beyond, out=out, rows=rows)


def wrapped(names):
    text = ", ".join(f"`{n}`" for n in names) or "(none)"
    return textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False)


def render():
    found = [(title, status(title, theirs, ours, groups))
             for title, theirs, ours, groups in namespaces()]
    lines = [
        "# PyTorch coverage",
        "",
        "Generated by `python -m tools.coverage` (tools/coverage.py) from issue 15's scope, "
        "kept in",
        "one place (tinygrad_edu/scope.py), the engine, and the installed PyTorch "
        f"({torch.__version__}).",
        "Do not edit by hand: tests/test_pytorch_scope.py fails when this file is stale, and "
        "calls",
        "every present name of the scope with PyTorch's keyword forms, comparing the result "
        "(and",
        "gradients) with PyTorch's.",
        "",
        "Status: **present** (the engine has the name), **missing** (in the scope, not written "
        "yet:",
        "asking for it raises `NotInEngine`, an AttributeError saying so), **beyond the scope** "
        "(the",
        "engine has it though issue 15 does not list it), **out of scope** (PyTorch has it, the "
        "engine",
        "does not: asking raises `NotInEngine` naming what the engine has nearby).  torch.Tensor's",
        "scope is every name of torch's groups but modes and devices that is also a Tensor "
        "method in",
        "PyTorch.",
        "",
        "| namespace | scope: present | scope: missing | beyond the scope | out of scope |",
        "|---|---|---|---|---|",
    ]
    for title, s in found:
        lines.append(f"| {title} | {len(s['present'])} | {len(s['missing'])} | "
                     f"{len(s['beyond'])} | {len(s['out'])} |")
    for title, s in found:
        lines += ["", f"## {title}", ""]
        for group, rows in s["rows"].items():
            lines += [f"### {group}", "", "| name | status |", "|---|---|"]
            lines += [f"| `{n}` | {'present' if ok else '**missing**'} |" for n, ok in rows]
            lines.append("")
        lines += [f"### {title}: beyond the scope", "", wrapped(s["beyond"]), "",
                  f"### {title}: out of scope ({len(s['out'])} names)", "", wrapped(s["out"])]
    return "\n".join(lines) + "\n"


def render_tensor_names():
    """tinygrad_edu/torch_tensor_names.py: the public names of torch.Tensor and of
    torch.nn.Module, two data lists."""
    def listed(variable, names):
        return [f'{variable} = """',
                textwrap.fill(" ".join(sorted(names)), WIDTH - 4, break_long_words=False,
                              break_on_hyphens=False),
                '""".split()', ""]
    return "\n".join([
        '"""torch.Tensor\'s and torch.nn.Module\'s public attribute names in PyTorch '
        + torch.__version__ + ',',
        "recorded by ``python -m tools.coverage`` (do not edit by hand; "
        "tests/test_pytorch_scope.py",
        "fails when stale).",
        "",
        "The package never imports torch: scope.py reads NAMES and stands a NotInEngine "
        "placeholder",
        "on the Tensor class for each name the engine does not have; nn.Module's __getattr__ "
        "reads",
        "MODULE_NAMES to say the same of a Module method.",
        '"""',
        "",
        f'TORCH_VERSION = "{torch.__version__}"',
        "",
        *listed("NAMES", public_names("torch.Tensor", torch.Tensor)),
        *listed("MODULE_NAMES", [n for n in dir(torch.nn.Module) if not n.startswith("_")])])


def main(argv):
    outputs = [(DOC, render()), (TENSOR_NAMES, render_tensor_names())]
    if "--check" in argv:
        stale = [path for path, text in outputs
                 if (path.read_text() if path.exists() else "") != text]
        for path in stale:
            print(f"{path} is stale: run python -m tools.coverage")
        if not stale:
            print(f"{DOC} and {TENSOR_NAMES} are current")
        return 1 if stale else 0
    for path, text in outputs:
        path.write_text(text)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
