"""A formula string, e.g. "2*tanh(x)", read into a SymPy expression: parsed, never evaluated.

``sympify`` runs its input through Python's ``eval``, so a formula typed at the command line
could run any code (``__import__("os").system(…)``).  Here Python's own parser only cuts the
text into a tree (``ast.parse``; nothing runs), and ``parse`` builds the SymPy expression from
that tree itself, accepting only
    numbers                 2, 1.5, 1e-3 (finite and real)
    one-variable names      any identifier that is not a function or a constant (x, u, t_1)
    the constants           pi, E
    the operators           + - * / ** and a sign (+x, -x)
    calls of FUNCTIONS      exp(x), sigmoid(x) …, with positional arguments only
Anything else (attributes, subscripts, lambdas, strings, keywords, comparisons, names with
double underscores …) is a DerivationError that names the offending piece.  Limits keep SymPy
from working for ever on a legal formula: at most MAX_LENGTH characters, a number exponent at
most MAX_EXPONENT in size, and a number raised to a number at most MAX_DIGITS digits long.
"""

import ast
import math

import sympy as sp

from .core import DerivationError, did_you_mean
from .evaluate import sigmoid

MAX_LENGTH = 500
MAX_EXPONENT = 1000
MAX_DIGITS = 1000

# name: (SymPy function, fewest arguments, most arguments or None for any number)
FUNCTIONS = {
    "exp": (sp.exp, 1, 1), "log": (sp.log, 1, 2), "sqrt": (sp.sqrt, 1, 1),
    "sin": (sp.sin, 1, 1), "cos": (sp.cos, 1, 1), "tan": (sp.tan, 1, 1),
    "asin": (sp.asin, 1, 1), "acos": (sp.acos, 1, 1), "atan": (sp.atan, 1, 1),
    "sinh": (sp.sinh, 1, 1), "cosh": (sp.cosh, 1, 1), "tanh": (sp.tanh, 1, 1),
    "erf": (sp.erf, 1, 1), "sigmoid": (sigmoid, 1, 1), "σ": (sigmoid, 1, 1),
    # Readable, then refused by derive() for their kinks (they need pieces, as relu has).
    "abs": (sp.Abs, 1, 1), "Abs": (sp.Abs, 1, 1), "sign": (sp.sign, 1, 1),
    "max": (sp.Max, 2, None), "Max": (sp.Max, 2, None),
    "min": (sp.Min, 2, None), "Min": (sp.Min, 2, None),
    "Heaviside": (sp.Heaviside, 1, 2), "floor": (sp.floor, 1, 1), "ceiling": (sp.ceiling, 1, 1),
}
CONSTANTS = {"pi": sp.pi, "E": sp.E}

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_UNARY = {ast.UAdd: "+", ast.USub: "-"}
# What a node that is not allowed is called in an error message (the rest by its class name).
_REFUSED = {
    ast.Attribute: "attribute access", ast.Subscript: "indexing", ast.Lambda: "lambda",
    ast.List: "a list", ast.Tuple: "a tuple", ast.Set: "a set", ast.Dict: "a dict",
    ast.IfExp: "a conditional (if … else)", ast.Compare: "a comparison",
    ast.BoolOp: "and/or", ast.NamedExpr: "an assignment (:=)", ast.JoinedStr: "an f-string",
    ast.ListComp: "a comprehension", ast.GeneratorExp: "a comprehension",
    ast.SetComp: "a comprehension", ast.DictComp: "a comprehension",
    ast.Starred: "unpacking (*)", ast.Await: "await", ast.Slice: "a slice",
}
EXAMPLE = "e.g. '2*tanh(x)'"


def parse(text):
    """The SymPy expression a formula string means, or a DerivationError naming what is wrong."""
    if not isinstance(text, str):
        raise DerivationError(f"a formula must be a string, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise DerivationError(f"the formula is {len(text)} characters long; at most "
                              f"{MAX_LENGTH} are read")
    source = text.strip()
    if not source:
        raise DerivationError(f"the formula is empty; write one in one variable, {EXAMPLE}")
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as e:
        raise DerivationError(f"cannot read {text!r} as a formula: {_syntax_problem(source, e)}"
                              f"; write one in one variable, {EXAMPLE}") from None
    except (RecursionError, MemoryError):
        raise DerivationError(f"cannot read {text!r} as a formula: nested too deeply") from None
    return _Builder(source).build(tree.body)


def _syntax_problem(source, error):
    """Python's complaint, with the character it stopped at."""
    where = ""
    if error.offset and 0 < error.offset <= len(source):
        where = f" at {source[error.offset - 1]!r} (column {error.offset})"
    return f"{error.msg}{where}"


class _Builder:
    """Builds the SymPy expression from an ast tree, node by node, allowing only the nodes
    the module docstring lists."""

    def __init__(self, source):
        self.source = source

    def text(self, node):
        return ast.get_source_segment(self.source, node) or type(node).__name__

    def build(self, node):
        if isinstance(node, ast.Constant):
            return self.number(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
            operand = self.build(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            return self.binary(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        raise DerivationError(self.refusal(node))

    def refusal(self, node):
        if isinstance(node, ast.Attribute):
            return f"attribute access '.{node.attr}' is not allowed in a formula"
        if isinstance(node, (ast.BinOp, ast.UnaryOp)):
            return (f"the operator in {self.text(node)!r} is not allowed in a formula; "
                    f"use + - * / ** and a sign")
        what = _REFUSED.get(type(node), type(node).__name__)
        return f"{what} ({self.text(node)!r}) is not allowed in a formula"

    def number(self, node):
        value = node.value
        if isinstance(value, (str, bytes)):
            raise DerivationError(f"a string ({self.text(node)}) is not allowed in a formula; "
                                  f"write the formula itself, {EXAMPLE}")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DerivationError(f"'{self.text(node)}' is not a real number; a formula uses "
                                  f"numbers, one variable and the functions, {EXAMPLE}")
        if isinstance(value, float):
            if not math.isfinite(value):
                raise DerivationError(f"the number {self.text(node)} is not finite")
            return sp.Float(value)
        return sp.Integer(value)

    def name(self, node):
        name = _allowed_name(node.id)
        if name in FUNCTIONS:
            raise DerivationError(f"'{name}' is a function: call it, e.g. {name}(x)")
        if name in CONSTANTS:
            return CONSTANTS[name]
        return sp.Symbol(name)

    def binary(self, node):
        left, right = self.build(node.left), self.build(node.right)
        op = type(node.op)
        if op is ast.Add:
            return left + right
        if op is ast.Sub:
            return left - right
        if op is ast.Mult:
            return left * right
        if op is ast.Div:
            if right == 0:
                raise DerivationError(f"division by zero in {self.text(node)!r}")
            return left / right
        return self.power(node, left, right)

    def power(self, node, base, exponent):
        """base ** exponent, refusing sizes that would keep SymPy busy for ever (9**9**9**9)."""
        if exponent.is_number and abs(exponent) > MAX_EXPONENT:
            raise DerivationError(f"the exponent {_short(exponent)} in {self.text(node)!r} is "
                                  f"too large (at most {MAX_EXPONENT} in size)")
        if base.is_Rational and exponent.is_Rational and abs(base) > 1:  # computed exactly
            digits = float(abs(exponent) * sp.log(abs(base), 10).evalf())
            if digits > MAX_DIGITS:
                raise DerivationError(f"{self.text(node)!r} is a number of about {digits:.0f} "
                                      f"digits; at most {MAX_DIGITS} are allowed")
        return base ** exponent

    def call(self, node):
        if isinstance(node.func, ast.Attribute):
            raise DerivationError(self.refusal(node.func))
        if not isinstance(node.func, ast.Name):
            raise DerivationError(f"only a function's name can be called, not "
                                  f"{self.text(node.func)!r}")
        name = _allowed_name(node.func.id)
        if name not in FUNCTIONS:
            hint = did_you_mean(name, FUNCTIONS) or f"; the functions: {', '.join(FUNCTIONS)}"
            raise DerivationError(f"unknown function '{name}'{hint}")
        if node.keywords:
            keyword = node.keywords[0]
            raise DerivationError(f"keyword argument {self.text(keyword)!r} is not allowed in "
                                  f"a formula; {name} takes positional arguments only")
        function, fewest, most = FUNCTIONS[name]
        args = [self.build(arg) for arg in node.args]
        if len(args) < fewest or (most is not None and len(args) > most):
            expected = fewest if fewest == most else \
                f"{fewest} or more" if most is None else f"{fewest} to {most}"
            raise DerivationError(f"{name} takes {expected} argument"
                                  f"{'' if expected == 1 else 's'}, got {len(args)} in "
                                  f"{self.text(node)!r}")
        return function(*args)


def _allowed_name(name):
    """The name itself, unless it has double underscores (__import__, __class__ …)."""
    if "__" in name:
        raise DerivationError(f"'{name}' is not an allowed name (no double underscores "
                              f"in a formula)")
    return name


def _short(number):
    """A number's text, cut short if it is long."""
    text = sp.sstr(number)
    return text if len(text) <= 20 else f"{text[:8]}…({len(text)} digits)"
