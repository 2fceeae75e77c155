"""Command line: python -m derivations <command>

    mlp --hidden relu --output identity --loss mse [--reduction mean] [--latex] [--derive]
                        the MLP chain step by step: formula, shape, the rule used; --derive
                        derives it from the forward expression by matrix calculus
    ops [--latex]       the backward rule of every primitive op, and the ops with no gradient
    show NAME [--latex] one derivation (an op name, a loss like mse, or an mlp_… chain)
    prove [NAME …] [--verbose] [--thorough]
                        prove everything (or the named ones), one line per derivation;
                        --verbose adds what was checked on which sizes; --thorough adds
                        more and larger shapes (minutes)
    check-engine [NAME …] [--seed N] [--chain-shapes N]
                        compare every proved rule, as numbers, with the engine's .grad
                        (float32/64, 1-D/2-D/batched, broadcasting, > 4096 entries, kinks)
    elementwise EXPR [--name NAME] [--latex] [--function FILE.py:CLASS [--points N]]
                        derive and prove the rule of your own elementwise function, e.g.
                        "2*tanh(x)"; --function also runs the autograd.Function you wrote for it and compares
                        its forward and backward with f and SymPy's f′ at N points of the domain
    docs [--check]      regenerate docs/gradients.md (or check that it is current)
    rules [--check]     regenerate tinygrad_edu/rule_texts.py, the proved rule texts viz shows
                        (or check that it is current)
    list                the names of all derivations

A bad option or argument stops with a message naming it under that command's usage, exit 2.
"""

import argparse
import os
import sys
import textwrap
import time

from . import docs, elementwise, matrix_calculus, mlp, rule_texts
from .core import DerivationError, did_you_mean
from .exempt import EXEMPT
from .registry import all_derivations, get, ops


WIDTH = 100  # a terminal's line: longer notes and formulas wrap, indented under their start


def _fit(text, width=WIDTH):
    """Each line of text over `width` characters wrapped at spaces, continued 4 deeper."""
    lines = []
    for line in text.splitlines():
        indent = " " * (len(line) - len(line.lstrip()))
        lines.append(textwrap.fill(line, width, subsequent_indent=indent + "    ",
                                   break_long_words=False, break_on_hyphens=False)
                     if len(line) > width else line)
    return "\n".join(lines)


def _show(derivation, latex):
    print(derivation.latex() if latex else _fit(derivation.unicode()))


def cmd_mlp(args):
    chain = mlp.chain(args.hidden, args.output, args.loss, args.reduction)
    if args.derive:
        if args.latex:
            args.parser.error("--derive prints Unicode only; use --latex without --derive")
        text, agrees = matrix_calculus.chain_text(chain)
        print(_fit(text))
        return 0 if agrees else 1
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
        proof = d.prove(thorough=args.thorough)
        print(f"[{i:3}/{len(chosen)}] {proof.line()}", flush=True)
        if args.verbose:
            print("\n".join(proof.detail()), flush=True)
        if not proof.ok:
            failed.append(d.name)
    seconds = time.perf_counter() - start
    if failed:
        print(f"{len(failed)} of {len(chosen)} FAILED in {seconds:.1f} s: {', '.join(failed)}")
        if not args.verbose:
            print(f"why: python -m derivations prove --verbose {' '.join(failed)}")
        return 1
    print(f"all {len(chosen)} derivation{'s' * (len(chosen) != 1)} proved in {seconds:.1f} s")
    return 0


def cmd_check_engine(args):
    from . import engine_bridge  # the one module that imports tinygrad_edu
    report = engine_bridge.check_engine(args.names or None, seed=args.seed,
                                        chain_shapes=args.chain_shapes)
    print("\n".join(report.lines(WIDTH)))
    unchecked = engine_bridge.unchecked_backwards()
    for cls, where in unchecked:
        print(f"UNCHECKED backward rule: {cls} ({where}) has no derivation in "
              f"engine_bridge.CHECKED_BY")
    return 0 if report.ok and not (unchecked and not args.names) else 1


def cmd_elementwise(args):
    derivation = elementwise.derive(args.name, args.expression)
    _show(derivation, args.latex)
    proof = derivation.prove()
    print(proof.line())
    if not proof.ok:
        print("\n".join(proof.detail()))
    if args.function is None:
        return 0 if proof.ok else 1
    from . import engine_bridge  # the one module that imports tinygrad_edu
    check = engine_bridge.check_function(_load_function(args.function), args.expression,
                                         name=args.function.rpartition(":")[2],
                                         points=args.points)
    print(_fit("\n".join(check.lines())))
    return 0 if proof.ok and check.ok else 1


def _load_function(spec):
    """FILE.py:CLASS → the class, from the learner's own file (their code: it is run)."""
    import importlib.util
    path, _, name = spec.rpartition(":")
    if not path or not name.isidentifier():
        raise DerivationError(f"--function {spec!r}: expected FILE.py:CLASS, "
                              f"e.g. my_ops.py:ScaledTanh")
    if not os.path.isfile(path):
        raise DerivationError(f"--function: no file {path!r}")
    module_spec = importlib.util.spec_from_file_location("learner_function", path)
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    function = getattr(module, name, None)
    if function is None or not hasattr(function, "apply"):
        found = [k for k, v in vars(module).items() if hasattr(v, "apply") and k[0] != "_"]
        raise DerivationError(f"--function: {path} has no autograd.Function named {name!r}"
                              f"{did_you_mean(name, found)}")
    return function


def cmd_docs(args):
    if args.check:
        if docs.is_current():
            print(f"{docs.DOCS_PATH} is current")
            return 0
        print(f"{docs.DOCS_PATH} is out of date: run python -m derivations docs")
        return 1
    print(f"wrote {docs.write()}")
    return 0


def cmd_rules(args):
    path = rule_texts.TABLE_PATH.relative_to(rule_texts.TABLE_PATH.parents[1])
    if args.check:
        if rule_texts.is_current():
            print(f"{path} is current")
            return 0
        print(f"{path} is out of date: run python -m derivations rules")
        return 1
    rule_texts.write()
    print(f"wrote {path}")
    return 0


def cmd_list(args):
    for d in all_derivations():
        print(f"{d.name:40} {d.kind:9} {d.topic}")
    return 0


def _option(valid, what):
    """An argparse type for --hidden and the like: the normalized name, or an error that names
    the value, the valid ones and a close match (argparse puts the option's name in front)."""
    def check(value):
        try:
            return mlp.normalize(value, valid, what)
        except DerivationError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return check


def _positive(value):
    """--chain-shapes: a whole number ≥ 1."""
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return int(value)


def _identifier(value):
    """--name: a Python identifier, as derive() needs."""
    if not value.isidentifier():
        raise argparse.ArgumentTypeError(f"{value!r} is not a Python identifier "
                                         f"(letters, digits and _), e.g. scaled_tanh")
    return value


def _leading_minus(args, unknown):
    """A formula that starts with a minus ("-x**2") looks like an option to argparse, which
    leaves it among the unknown arguments: take it as the expression.  What is left is unknown."""
    if args.expression is None:
        formulas = [a for a in unknown if not a.startswith("--")]
        if not formulas:
            args.parser.error("the following arguments are required: expression")
        args.expression = formulas[0]
        unknown = list(unknown)
        unknown.remove(formulas[0])
    return unknown


def build_parser():
    """The top-level parser; each subparser is kept in its namespace as `parser`, so an error
    found while a command runs is reported under that command's usage."""
    parser = argparse.ArgumentParser(prog="python -m derivations",
                                     description="SymPy derivations of tinygrad_edu's gradients.")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, run, help, usage=None):
        p = sub.add_parser(name, help=help, usage=usage)
        p.set_defaults(run=run, parser=p)
        return p

    p = command("mlp", cmd_mlp, "the MLP chain, step by step")
    p.add_argument("--hidden", default="relu", type=_option(mlp.HIDDEN, "hidden activation"),
                   help=f"one of {', '.join(mlp.HIDDEN)}")
    p.add_argument("--output", default="identity",
                   type=_option(mlp.OUTPUTS, "output activation"),
                   help=f"one of {', '.join(mlp.OUTPUTS)}")
    p.add_argument("--loss", default="mse", type=_option(mlp.LOSSES, "loss"),
                   help=f"one of {', '.join(mlp.LOSSES)}")
    p.add_argument("--reduction", default="mean", type=_option(mlp.REDUCTIONS, "reduction"),
                   help=f"one of {', '.join(mlp.REDUCTIONS)}")
    p.add_argument("--latex", action="store_true", help="print LaTeX")
    p.add_argument("--derive", action="store_true",
                   help="derive the chain from the forward expression, step by step")

    p = command("ops", cmd_ops, "every primitive op's backward rule")
    p.add_argument("--latex", action="store_true")

    p = command("show", cmd_show, "one derivation")
    p.add_argument("name", help="a name from python -m derivations list")
    p.add_argument("--latex", action="store_true")

    p = command("prove", cmd_prove, "prove every derivation (or the named ones)")
    p.add_argument("names", nargs="*", metavar="NAME", help="names from python -m derivations list")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="also say what was checked, on which sizes")
    p.add_argument("--thorough", action="store_true",
                   help="also prove at more and larger shapes (takes minutes)")

    p = command("check-engine", cmd_check_engine,
                "compare every proved rule with the engine's gradients (no PyTorch)")
    p.add_argument("names", nargs="*", metavar="NAME", help="names from python -m derivations list")
    p.add_argument("--seed", type=int, default=0, help="seed of the random inputs")
    p.add_argument("--chain-shapes", type=_positive, default=20,
                   help="random (n, d, h, o) per MLP chain and dtype (default 20)")

    p = command("elementwise", cmd_elementwise, "derive your own elementwise function's rule",
                usage="python -m derivations elementwise [-h] [--name NAME] [--latex] "
                      "[--function FILE.py:CLASS [--points N]] expression")
    p.add_argument("expression", nargs="?",  # required: see _leading_minus
                   help='a formula in one variable, e.g. "2*tanh(x)" or "-x**2"')
    p.add_argument("--name", default="my_function", type=_identifier)
    p.add_argument("--latex", action="store_true")
    p.add_argument("--function", metavar="FILE.py:CLASS",
                   help="your autograd.Function for this formula, checked against it")
    p.add_argument("--points", type=_positive, default=2000,
                   help="how many points of the domain --function is checked at")

    p = command("docs", cmd_docs, "regenerate docs/gradients.md")
    p.add_argument("--check", action="store_true", help="only check that it is current")

    p = command("rules", cmd_rules, "regenerate tinygrad_edu/rule_texts.py")
    p.add_argument("--check", action="store_true", help="only check that it is current")

    command("list", cmd_list, "list the derivations")
    parser.commands = tuple(sub.choices)
    return parser


def main(argv=None):
    """Run one command; a bad option or argument exits 2 under that command's usage."""
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] not in parser.commands and argv[0] not in ("-h", "--help"):
        what = "option" if argv[0].startswith("-") else "command"
        parser.error(f"unknown {what} {argv[0]!r}{did_you_mean(argv[0], parser.commands)} "
                     f"(commands: {', '.join(parser.commands)})")
    args, unknown = parser.parse_known_args(argv)
    if args.command == "elementwise":
        unknown = _leading_minus(args, unknown)
    if unknown:  # argparse would report these under the top-level usage
        args.parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except DerivationError as e:
        args.parser.error(str(e))
    except BrokenPipeError:  # piped into `head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
