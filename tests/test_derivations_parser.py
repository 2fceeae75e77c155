"""derivations/formula.py: a formula string is parsed with an allow-list, never run as Python.

Each refused string must raise a DerivationError that names the offending piece; each accepted
one must give exactly the SymPy expression it means.
"""

import re

import pytest
import sympy as sp

from derivations import elementwise, formula
from derivations.core import DerivationError
from derivations.evaluate import sigmoid

x, y = sp.symbols("x y")

REFUSED = [  # (formula, text the error must contain)
    ('__import__("os").system("echo PWNED")', "'.system'"),
    ("().__class__.__bases__", "'.__bases__'"),
    ("lambda: 1", "lambda"),
    ("x.__class__", "'.__class__'"),
    ("__import__", "'__import__' is not an allowed name"),
    ("__builtins__", "'__builtins__'"),
    ("[x]", "a list ('[x]')"),
    ("{x: 1}", "a dict ('{x: 1}')"),
    ("x[0]", "indexing ('x[0]')"),
    ("x if x else 1", "'x if x else 1'"),
    ("x < 1", "a comparison ('x < 1')"),
    ("(y := 1)", ":="),
    ('"a"', 'a string ("a")'),
    ('f"{x}"', "an f-string"),
    ("2*tahn(x)", "unknown function 'tahn'; did you mean tanh?"),
    ("getattr(x, 'y')", "unknown function 'getattr'"),
    ("eval('1')", "unknown function 'eval'"),
    ("x" * 10_000, "10000 characters long; at most 500"),
    ("9**9**9**9", "the exponent 387420489"),
    ("(10**600)**2", "about 1200 digits"),
    ("x**100000", "the exponent 100000"),
    ("exp(x, y=1)", "keyword argument 'y=1'"),
    ("exp(*x)", "unpacking (*) ('*x')"),
    ("exp(x, x)", "exp takes 1 argument, got 2"),
    ("tanh", "'tanh' is a function: call it"),
    ("tanh(x)(1)", "not 'tanh(x)'"),
    ("x @ x", "the operator in 'x @ x'"),
    ("x % 2", "the operator in 'x % 2'"),
    ("~x", "the operator in '~x'"),
    ("x; import os", "at ';'"),
    ("import os", "cannot read 'import os'"),
    ("True", "'True' is not a real number"),
    ("1j*x", "'1j' is not a real number"),
    ("1e999*x", "1e999 is not finite"),
    ("1/0", "division by zero in '1/0'"),
    ("", "the formula is empty"),
    ("   ", "the formula is empty"),
]


def test_the_refused_catalogue_is_not_empty():
    assert len(REFUSED) == 37


@pytest.mark.parametrize("text, named", REFUSED)
def test_a_refused_formula_names_what_is_wrong(text, named):
    with pytest.raises(DerivationError, match=re.escape(named)):
        formula.parse(text)
    with pytest.raises(DerivationError, match=re.escape(named)):  # derive() reads it the same way
        elementwise.derive("f", text)


def test_an_injection_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    attempts = [f'__import__("pathlib").Path({str(marker)!r}).touch()',
                f'open({str(marker)!r}, "w")',
                f'exec("open({str(marker)!r}, \'w\')")']
    for text in attempts:
        with pytest.raises(DerivationError):
            formula.parse(text)
    assert len(attempts) == 3 and not marker.exists()


ACCEPTED = [  # (formula, the SymPy expression it means)
    ("2*tanh(x)", 2 * sp.tanh(x)),
    ("x**2 - 3*x", x ** 2 - 3 * x),
    ("sigmoid(x)*x", sigmoid(x) * x),
    ("σ(x)", sigmoid(x)),
    ("log(1 + exp(y))", sp.log(1 + sp.exp(y))),
    ("-x", -x),
    ("+x / 2", x / 2),
    ("1.5*x", sp.Float(1.5) * x),
    ("2**10 * x", 1024 * x),
    ("sqrt(x) + pi*E", sp.sqrt(x) + sp.pi * sp.E),
    ("  erf(x) / (1 + x**2)  ", sp.erf(x) / (1 + x ** 2)),
    ("max(x, 0)", sp.Max(x, 0)),  # read; derive() then refuses it for its kink
    ("x**-2", x ** -2),
]


def test_the_accepted_catalogue_is_not_empty():
    assert len(ACCEPTED) == 13


@pytest.mark.parametrize("text, expected", ACCEPTED)
def test_an_accepted_formula_means_what_it_says(text, expected):
    assert formula.parse(text) == expected


def test_the_kink_check_still_refuses_a_parsed_max():
    with pytest.raises(DerivationError, match="kinks"):
        elementwise.derive("f", "max(x, 0)")
