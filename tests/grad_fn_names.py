"""The grad_fn name the engine shows beside the one PyTorch prints, for every op in
tests/op_specs.py (SPECS and COMPOSITION_SPECS), each called the PyTorch way on inputs and
keyword arguments drawn as the property tests draw them.

    python tests/grad_fn_names.py               # a table: op, engine, PyTorch, how many draws
    python tests/grad_fn_names.py --examples 100

PyTorch's name is what its printouts show (``grad_fn=<CopySlices>``): ``name()`` with a C++
namespace (``torch::autograd::CopySlices``) stripped.  KNOWN lists the draws where the engine
still shows another name, each with the reason; tests/test_display_names.py asserts that every
other draw agrees.
"""

import collections
import sys
import warnings
from pathlib import Path

import numpy as np
import torch  # the oracle: if it is missing, fail loudly (never skip)
from hypothesis import HealthCheck, Phase, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # op_specs, when run as a script

import tinygrad_edu as tg  # noqa: E402
from op_specs import COMPOSITION_SPECS, SPECS  # noqa: E402

EXAMPLES = 25  # draws per op


def printed_name(out):
    """The grad_fn name printed for out (the values of a (values, indices) pair), or None."""
    if isinstance(out, tuple):
        out = out[0]
    node = out.grad_fn
    return None if node is None else node.name().rsplit("::", 1)[-1]


# op name -> (when the engine's name may differ, the reason)
KNOWN = {
    "einsum": (lambda arrays, args: True,
               "PyTorch has no einsum node: it prints the last of the permutes, views, products "
               "and sums its own contraction path chose for the equation"),
}


def compare(spec, examples=EXAMPLES):
    """{(engine name, PyTorch name): draws} for `spec` over `examples` derandomized draws, and
    the draws whose names differ outside KNOWN: [(engine, PyTorch, shapes, args)]."""
    counts = collections.Counter()
    unexplained = []
    known = KNOWN.get(spec.name)

    @settings(max_examples=examples, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(spec.example("float64"))
    def draw(example):
        arrays, args = example
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyTorch's own warnings, and ours with them
            ours = printed_name(spec.engine(*[tg.tensor(a, requires_grad=True)
                                              for a in arrays], **args))
            theirs = printed_name(spec.torch(*[torch.tensor(a, requires_grad=True)
                                               for a in arrays], **args))
        counts[ours, theirs] += 1
        if ours != theirs and not (known and known[0](arrays, args)):
            unexplained.append((ours, theirs, [a.shape for a in arrays], args))
    draw()
    return counts, unexplained


def main(argv):
    examples = int(argv[argv.index("--examples") + 1]) if "--examples" in argv else EXAMPLES
    print(f"{'op':<16} {'engine':<28} {'PyTorch':<28} draws")
    for spec in list(SPECS.values()) + list(COMPOSITION_SPECS.values()):
        counts, unexplained = compare(spec, examples)
        for (ours, theirs), n in sorted(counts.items(), key=str):
            mark = "" if ours == theirs else "  (known)" if not unexplained else "  DIFFERS"
            print(f"{spec.name:<16} {ours!s:<28} {theirs!s:<28} {n}{mark}")
    for name, (_, reason) in KNOWN.items():
        print(f"known: {name}: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
