"""Command line: python -m derivations <command>

    mlp --hidden relu --output identity --loss mse [--reduction mean] [--latex]
                        the MLP chain step by step: formula, shape, the rule used
    ops [--latex]       the backward rule of every primitive op, and the ops with no gradient
    show NAME [--latex] one derivation (an op name, a loss like mse, or an mlp_… chain)
    prove [NAME …]      prove everything (or the named ones), one line per derivation
    elementwise EXPR [--name NAME] [--latex]
                        derive and prove the rule of your own elementwise function, e.g. "2*tanh(x)"
    docs [--check]      regenerate docs/gradients.md (or check that it is current)
    list                the names of all derivations
"""

import argparse
import os
import sys
import time

from . import docs, elementwise, mlp
from .core import DerivationError
from .exempt import EXEMPT
from .registry import all_derivations, get, ops


def _show(derivation, latex):
    print(derivation.latex() if latex else derivation.unicode())


def cmd_mlp(args):
    chain = mlp.chain(args.hidden, args.output, args.loss, args.reduction)
    _show(chain, args.latex)
    return 0


def cmd_ops(args):
    for d in ops():
        _show(d, args.latex)
        print()
    print("no gradient (never recorded): " + ", ".join(EXEMPT))
    return 0


def cmd_show(args):
    _show(get(args.name), args.latex)
    return 0


def cmd_prove(args):
    chosen = [get(name) for name in args.names] if args.names else all_derivations()
    start = time.perf_counter()
    failed = []
    for i, d in enumerate(chosen, 1):
        proof = d.prove()
        print(f"[{i:3}/{len(chosen)}] {proof.line()}", flush=True)
        if not proof.ok:
            failed.append(d.name)
    seconds = time.perf_counter() - start
    if failed:
        print(f"{len(failed)} of {len(chosen)} FAILED in {seconds:.1f} s: {', '.join(failed)}")
        return 1
    print(f"all {len(chosen)} derivations proved in {seconds:.1f} s")
    return 0


def cmd_elementwise(args):
    derivation = elementwise.derive(args.name, args.expression)
    _show(derivation, args.latex)
    print(derivation.prove().line())
    return 0


def cmd_docs(args):
    if args.check:
        if docs.is_current():
            print(f"{docs.DOCS_PATH} is current")
            return 0
        print(f"{docs.DOCS_PATH} is out of date: run python -m derivations docs")
        return 1
    print(f"wrote {docs.write()}")
    return 0


def cmd_list(args):
    for d in all_derivations():
        print(f"{d.name:40} {d.kind:9} {d.topic}")
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="python -m derivations",
                                     description="SymPy derivations of tinygrad_edu's gradients.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("mlp", help="the MLP chain, step by step")
    p.add_argument("--hidden", default="relu", help=f"one of {', '.join(mlp.HIDDEN)}")
    p.add_argument("--output", default="identity", help=f"one of {', '.join(mlp.OUTPUTS)}")
    p.add_argument("--loss", default="mse", help=f"one of {', '.join(mlp.LOSSES)}")
    p.add_argument("--reduction", default="mean", help="mean or sum")
    p.add_argument("--latex", action="store_true", help="print LaTeX")
    p.set_defaults(run=cmd_mlp)

    p = sub.add_parser("ops", help="every primitive op's backward rule")
    p.add_argument("--latex", action="store_true")
    p.set_defaults(run=cmd_ops)

    p = sub.add_parser("show", help="one derivation")
    p.add_argument("name")
    p.add_argument("--latex", action="store_true")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("prove", help="prove every derivation (or the named ones)")
    p.add_argument("names", nargs="*")
    p.set_defaults(run=cmd_prove)

    p = sub.add_parser("elementwise", help="derive your own elementwise function's rule")
    p.add_argument("expression", help='a formula in one variable, e.g. "2*tanh(x)"')
    p.add_argument("--name", default="my_function")
    p.add_argument("--latex", action="store_true")
    p.set_defaults(run=cmd_elementwise)

    p = sub.add_parser("docs", help="regenerate docs/gradients.md")
    p.add_argument("--check", action="store_true", help="only check that it is current")
    p.set_defaults(run=cmd_docs)

    p = sub.add_parser("list", help="list the derivations")
    p.set_defaults(run=cmd_list)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except DerivationError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
