"""`python -m derivations`: every bad option or argument gets its own message naming it, under
that command's usage, exit 2, never a traceback; results fit a terminal (≤ 100 characters).

Most cases call main() in-process (fast); a few run the real module in a subprocess.
"""

import pathlib
import subprocess
import sys

import pytest

from derivations.__main__ import main
from derivations.core import Proof

ROOT = pathlib.Path(__file__).resolve().parents[1]
TOP = "usage: python -m derivations [-h]"

BAD = [  # (argv, usage line expected, texts stderr must contain)
    (["mlp", "--hidden", "gelu"], "mlp", ["--hidden", "'gelu'", "relu, tanh, sigmoid"]),
    (["mlp", "--hidden", "rleu"], "mlp", ["--hidden", "'rleu'", "did you mean relu?"]),
    (["mlp", "--output", "tanh"], "mlp", ["--output", "'tanh'", "identity, sigmoid"]),
    (["mlp", "--loss", "hinge"], "mlp", ["--loss", "'hinge'", "mse, bce, cross_entropy"]),
    (["mlp", "--reduction", "max"], "mlp", ["--reduction", "'max'", "mean, sum"]),
    (["mlp", "--hidden", ""], "mlp", ["--hidden", "''"]),
    (["mlp", "--hidden"], "mlp", ["--hidden", "expected one argument"]),
    (["mlp", "--output", "identity", "--loss", "bce"], "mlp", ["identity", "bce", "refused"]),
    (["mlp", "--depth", "3"], "mlp", ["--depth"]),
    (["ops", "--latex=yes"], "ops", ["--latex", "'yes'"]),
    (["ops", "matmul"], "ops", ["unrecognized arguments: matmul"]),
    (["show"], "show", ["required: name"]),
    (["show", "nosuchop"], "show", ["unknown derivation 'nosuchop'", "derivations list"]),
    (["show", "reul"], "show", ["'reul'", "did you mean relu?"]),
    (["show", ""], "show", ["unknown derivation ''"]),
    (["show", "matmul", "relu"], "show", ["unrecognized arguments: relu"]),
    (["prove", "nosuchop"], "prove", ["unknown derivation 'nosuchop'", "derivations list"]),
    (["prove", "matmul", "matmull"], "prove", ["'matmull'", "did you mean matmul"]),
    (["prove", "--fast"], "prove", ["--fast"]),
    (["elementwise"], "elementwise", ["required: expression"]),
    (["elementwise", ""], "elementwise", ["the formula is empty"]),
    (["elementwise", "2*tahn(x)"], "elementwise", ["'tahn'", "did you mean tanh?"]),
    (["elementwise", "x*y"], "elementwise", ["'x*y'", "exactly one variable", "x, y"]),
    (["elementwise", "abs(x)"], "elementwise", ["Abs", "kinks"]),
    (["elementwise", "max(x, 0)"], "elementwise", ["Max", "kinks"]),
    (["elementwise", "3"], "elementwise", ["exactly one variable"]),
    (["elementwise", "2*tanh(x"], "elementwise", ["cannot read '2*tanh(x'"]),
    (["elementwise", "x.__class__"], "elementwise", ["'.__class__'"]),
    (["elementwise", "9**9**9**9"], "elementwise", ["exponent 387420489"]),
    (["elementwise", "x", "--name", "a b"], "elementwise", ["--name", "'a b'"]),
    (["elementwise", "x", "--name", ""], "elementwise", ["--name", "''"]),
    (["elementwise", "-x", "-y"], "elementwise", ["unrecognized arguments: -y"]),
    (["elementwise", "x", "--bogus"], "elementwise", ["unrecognized arguments: --bogus"]),
    (["docs", "--chek"], "docs", ["--chek"]),
    (["docs", "gradients.md"], "docs", ["unrecognized arguments: gradients.md"]),
    (["list", "all"], "list", ["unrecognized arguments: all"]),
    ([], None, ["required: command"]),
    (["prov"], None, ["unknown command 'prov'", "did you mean prove?"]),
    (["--bogus"], None, ["unknown option '--bogus'"]),
]


def test_the_catalogue_is_not_empty():
    assert len(BAD) == 39


def _check(code, err, sub, named):
    usage = f"usage: python -m derivations {sub} " if sub else TOP
    assert code == 2, err
    assert usage in err, err
    assert err.count("usage:") == 1, err
    for text in named:
        assert text in err, f"{text!r} not in: {err}"
    assert "Traceback" not in err


@pytest.mark.parametrize("argv, sub, named", BAD)
def test_a_bad_argument_is_named_under_its_commands_usage(capsys, argv, sub, named):
    with pytest.raises(SystemExit) as info:
        main(argv)
    captured = capsys.readouterr()
    _check(info.value.code, captured.err, sub, named)
    assert captured.out == ""


SUBPROCESS = [
    ["prove", "nosuchop"],
    ["elementwise", "2*tahn(x)"],
    ["mlp", "--loss", "hinge"],
    [],
]


@pytest.mark.parametrize("argv", SUBPROCESS)
def test_the_module_exits_2_with_the_same_message(argv):
    sub, named = next((s, n) for a, s, n in BAD if a == argv)
    result = subprocess.run([sys.executable, "-m", "derivations", *argv], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    _check(result.returncode, result.stderr, sub, named)


def test_an_injected_formula_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    text = f'__import__("os").system("touch {marker}")'
    result = subprocess.run([sys.executable, "-m", "derivations", "elementwise", text], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, check=False)
    _check(result.returncode, result.stderr, "elementwise", ["'.system'"])
    assert not marker.exists()


# --------------------------------------------------------------------------------------------
# Output that fits a terminal
# --------------------------------------------------------------------------------------------

def test_prove_prints_one_short_line_per_derivation(capsys):
    names = ["matmul", "relu", "scaled_tanh", "sum", "softmax"]
    assert main(["prove", *names]) == 0
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    assert len(lines) == len(names) + 1
    for name, line in zip(names, lines):
        assert "proved" in line and name in line and " s" in line
        assert len(line) <= 100, line
    assert lines[-1].startswith("all 5 derivations proved")


def test_prove_verbose_adds_what_was_checked_in_short_lines(capsys):
    assert main(["prove", "--verbose", "matmul", "relu"]) == 0
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    assert sum("checked:" in line for line in lines) == 2
    text = " ".join(lines)
    for sizes in ("2×3×4", "3×5×2", "4×2×3"):  # the three sizes matmul was proved at
        assert sizes in text
    assert all(len(line) <= 100 for line in lines), max(lines, key=len)


def test_a_failed_proof_is_one_short_line_with_its_detail_behind_verbose():
    proof = Proof("a_very_long_learner_function_name_" * 3, ok=False, how="checked " * 40,
                  entries=1234, seconds=1234.56, failures=["A[0, 0] differs by " + "x" * 300] * 2)
    assert "FAILED" in proof.line() and "2 failed" in proof.line()
    assert len(proof.line()) + len("[ 79/79] ") <= 100
    detail = proof.detail()
    assert sum(line.startswith("    FAILED") for line in detail) == 2
    assert all(len(line) <= 100 for line in detail)


def test_list_lines_fit_a_terminal(capsys):
    assert main(["list"]) == 0
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    assert len(lines) >= 79 and all(len(line) <= 100 for line in lines)


@pytest.mark.parametrize("argv", [["ops"], ["show", "matmul"], ["show", "linear"],
                                  ["mlp", "--hidden", "tanh", "--output", "sigmoid", "--loss",
                                   "bce"],
                                  ["mlp", "--hidden", "sigmoid", "--output", "softmax",
                                   "--loss", "cross_entropy"]])
def test_rules_and_chains_fit_a_terminal(capsys, argv):
    """Long notes and formulas wrap at spaces (before wrapping, ops had lines of 258)."""
    assert main(argv) == 0
    lines = capsys.readouterr().out.rstrip("\n").split("\n")
    assert len(lines) >= 7 and max(map(len, lines)) <= 100


def test_elementwise_takes_a_formula_that_starts_with_a_minus(capsys):
    assert main(["elementwise", "-x**2", "--name", "neg_square"]) == 0
    out = capsys.readouterr().out
    assert "f′(x) = -2*x" in out and out.rstrip().split("\n")[-1].startswith("proved")


def test_elementwise_with_a_long_name_keeps_its_proof_line_short(capsys):
    assert main(["elementwise", "2*x", "--name", "f" * 80]) == 0
    last = capsys.readouterr().out.rstrip("\n").split("\n")[-1]
    assert last.startswith("proved") and len(last) <= 100
