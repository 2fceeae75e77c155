"""The one result type, ``Derivation``, and how it proves itself.

A Derivation holds a backward rule (or a loss gradient, or an MLP chain) as
    * a closed form: a SymPy matrix expression per input, in PyTorch layout (X is n×d with one
      sample per row, W is out×in, Z = X Wᵀ + 𝟏 bᵀ);
    * a textbook rendering in Unicode and in LaTeX, written by hand (⊙, ᵀ, 𝟏, σ′);
    * a NumPy-callable form, ``numpy(**arrays)``: the same closed form evaluated on floats;
    * ``prove()``: the closed form checked entry by entry on small explicit matrices of symbols.

How ``prove()`` checks (SYMPY-NOTES.md says why it never differentiates at matrix level):
    vjp       for out = f(inputs) and an upstream G of out's shape, each entry of ∂L/∂A must
              equal ∂/∂aᵢⱼ of the scalar ⟨G, f(A, …)⟩ = Σ G ⊙ f(A, …) built entry by entry.
    adjoint   for a linear (structural) op, ⟨G, f(A)⟩ − Σ ⟨f*(G), A⟩ must vanish identically.
    loss      for a scalar L(inputs), each entry of ∂L/∂A must equal ∂L/∂aᵢⱼ.
Piecewise ops are proved on each piece: the piece is a point substitution (e.g. aᵢⱼ = tᵢⱼ with
tᵢⱼ > 0) on which the forward equals a smooth branch; the branch is differentiated and both
sides are restricted to the piece.  Equality is an exact symbolic zero (``expand``, or for
rational expressions the numerator over a common denominator expanding to 0), never a float
tolerance.
"""

import difflib
import textwrap
import time
from dataclasses import dataclass, field

import numpy as np
import sympy as sp
from sympy.tensor.array.expressions import ArraySymbol

from .evaluate import Env, evaluate, explicit

# Dimension symbols, named as in docs/gradients.md (n samples, d inputs, h hidden, o outputs).
n, m, k, d, h, o = sp.symbols("n m k d h o", integer=True, positive=True)
DIMS = {str(s): s for s in (n, m, k, d, h, o)}

DOMAINS = ("real", "positive", "nonzero", "probability", "target", "distribution", "mask")


def size_cases(names, sizes, label="{}", params=None, pieces=()):
    """One Case per size tuple, e.g. size_cases("nkm", [(2, 3, 4), (3, 5, 2)]): the dimensions
    `names` take each tuple's values in turn.  `label` formats the sizes joined by ×."""
    return [Case(label.format("×".join(map(str, s))), dict(params or {}),
                 dict(zip(names, s)), pieces=list(pieces)) for s in sizes]


class DerivationError(ValueError):
    """Bad input to a derivation: an unknown name, a refused combination, a wrong shape."""


def did_you_mean(word, candidates):
    """'; did you mean tanh?' for a mistyped name, or '' when nothing is close.

    A name with the same letters in another order ('tahn' → tanh) is the likeliest slip and is
    suggested alone (difflib ranks 'tan' above 'tanh' for 'tahn'); otherwise up to two close
    matches by difflib, so the line stays short.
    """
    candidates = list(candidates)
    matches = [c for c in candidates if sorted(c) == sorted(str(word)) and c != word] or \
        difflib.get_close_matches(str(word), candidates, n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(matches[:2])}?" if matches else ""


@dataclass
class Operand:
    """An input of a derivation.

    shape: dimension names in PyTorch layout, e.g. ("n", "d"); () for a scalar; None when the
    shape depends on the op's parameters (then ``shape_text`` says what it is).
    role: 'input' (has a gradient), 'upstream' (G = ∂L/∂out) or 'data' (no gradient: targets,
    masks).  domain: where its values live, which decides the symbols used in proofs and the
    random numbers used in tests (see DOMAINS).
    """

    name: str
    shape: tuple = ("n", "m")
    role: str = "input"
    domain: str = "real"
    shape_text: str = ""
    symbol: object = None

    def __post_init__(self):
        if self.domain not in DOMAINS:
            raise DerivationError(f"operand {self.name}: unknown domain {self.domain!r}; "
                                  f"valid: {', '.join(DOMAINS)}")
        if self.symbol is None:
            self.symbol = make_symbol(self.name, self.shape)

    @property
    def shape_str(self):
        return self.shape_text or shape_text(self.shape)


def make_symbol(name, shape):
    """MatrixSymbol for a matrix (a column for a 1-D vector), Symbol for a scalar, ArraySymbol
    for other ranks or a parameter-dependent shape."""
    if shape is None:
        return ArraySymbol(name, (m, n, k))  # a nominal shape: the evaluator binds by name
    dims = tuple(DIMS[s] if isinstance(s, str) else s for s in shape)
    if len(dims) == 0:
        return sp.Symbol(name)
    if len(dims) == 1:
        return sp.MatrixSymbol(name, dims[0], 1)
    if len(dims) == 2:
        return sp.MatrixSymbol(name, *dims)
    return ArraySymbol(name, dims)


def shape_text(shape):
    if shape is None:
        return "?"
    if len(shape) == 0:
        return "scalar"
    return "×".join(str(s) for s in shape)


@dataclass
class Grad:
    """One gradient of a derivation: ∂L/∂wrt as a closed form, with its textbook renderings.

    ``rule`` names the single-op rule applied (used by the MLP chain, shown beside each step).
    """

    wrt: str
    closed_form: object
    unicode: str
    latex: str
    shape: str = ""
    rule: str = ""
    label: str = ""  # the quantity's name when it is not ∂L/∂wrt of an operand (chains)
    expanded_unicode: str = ""  # chains: the step with every upstream gradient substituted
    expanded_latex: str = ""

    @property
    def quantity(self):
        return self.label or f"∂L/∂{self.wrt}"


@dataclass
class PieceSpec:
    """A piece of a piecewise op: ``point(values, params)`` returns a substitution that puts
    every entry in the piece (e.g. {a₀₀: t₀₀} with t₀₀ > 0); ``branch(values, params)`` is the
    smooth forward that equals the op there."""

    label: str
    point: object
    branch: object


@dataclass
class Case:
    """One configuration a proof runs: op parameters and the sizes of the small matrices."""

    label: str = ""
    params: dict = field(default_factory=dict)
    dims: dict = field(default_factory=dict)
    shapes: dict = field(default_factory=dict)  # operand name → explicit shape (overrides dims)
    pieces: list = field(default_factory=list)

    def shape_of(self, operand):
        if operand.name in self.shapes:
            return tuple(self.shapes[operand.name])
        if operand.shape is None:
            raise DerivationError(f"case {self.label!r}: no shape given for {operand.name}")
        return tuple(self.dims[s] if isinstance(s, str) else int(s) for s in operand.shape)


@dataclass
class Proof:
    """What ``prove()`` found: ok, how (the methods that gave each zero), on what sizes."""

    name: str
    ok: bool
    how: str
    entries: int
    seconds: float
    failures: list = field(default_factory=list)

    def __bool__(self):
        return self.ok

    def line(self):
        """One line of at most 90 characters: the verdict, the name, entries checked, time."""
        mark = "proved" if self.ok else "FAILED"
        name = self.name if len(self.name) <= 38 else self.name[:37] + "…"
        failed = f", {len(self.failures)} failed" if self.failures else ""
        return f"{mark:6}  {name:38} {self.entries:4} entries{failed}  {self.seconds:6.2f} s"

    def detail(self, width=100):
        """What was checked on which sizes, then each failure: lines of at most `width`."""
        lines = textwrap.wrap(f"checked: {self.how}", width, initial_indent="    ",
                              subsequent_indent="      ")
        for failure in self.failures:
            lines += textwrap.wrap(failure, width, initial_indent="    FAILED ",
                                   subsequent_indent="      ")
        return lines


# --------------------------------------------------------------------------------------------
# Exact zero test
# --------------------------------------------------------------------------------------------


def zero_method(expr):
    """How an expression was shown to be exactly 0: 'expand', 'rational' (numerator over a
    common denominator expands to 0) or 'simplify'; None when it is not shown to be 0.

    First every function value (tanh(…), σ(…), a softmax entry, log(…)) is replaced by its own
    fresh symbol: if the difference vanishes with those values as independent symbols, it
    vanishes for the real ones too, and expanding is then fast because the functions'
    arguments need no expanding.  Only if that does not give 0 is the expression tested as it is.
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return "expand"
    if clearly_nonzero(expr):  # refuted at a point: no symbolic work (a wrong rule fails fast)
        return None
    values = {f: sp.Dummy() for f in expr.atoms(sp.Function)}
    candidates = [expr.xreplace(values)] if values else [expr]
    if values and expr.has(sp.exp):
        candidates.append(expr)  # e^a e^b = e^(a+b) is a relation the fresh symbols lose
    for candidate in candidates:
        has_denominator = any(p.exp.is_negative for p in candidate.atoms(sp.Pow))
        if not has_denominator:
            if sp.expand(candidate) == 0:
                return "expand"
        else:
            numerator, _ = sp.together(candidate).as_numer_denom()
            if sp.expand(numerator) == 0:
                return "rational"
    # simplify is the last resort, and only for small expressions: it can run for minutes.
    if sp.count_ops(expr) <= SIMPLIFY_LIMIT and sp.simplify(expr) == 0:
        return "simplify"
    return None


SIMPLIFY_LIMIT = 80  # operations; beyond this a failed expand is reported as a failure


def clearly_nonzero(expr, digits=30, threshold=1e-6):
    """True when the expression is shown not to be identically 0 by its value at one point:
    σ and softmax entries written out (evaluate.explicit), every symbol a number in [1/2, 3/2]
    (positive, so within every symbol's assumptions), evaluated to `digits` digits, of size
    above `threshold`.  Sound: one nonzero value refutes an identity, and at 30 digits rounding
    cannot reach 10⁻⁶.  False when the value is small or cannot be computed (then the symbolic
    tests decide)."""
    symbols = sorted(expr.free_symbols, key=str)
    if not symbols:
        return False
    point = {s: sp.Float(sp.Rational(50 + (37 * i + 11) % 101, 100), digits)
             for i, s in enumerate(symbols)}
    try:  # Floats substituted: the arithmetic happens as the tree is rebuilt, at `digits`
        # digits, without evalf's precision escalation (which never ends on an exact 0)
        value = complex(explicit(sp.sympify(expr)).xreplace(point))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return abs(value) > threshold and value == value  # NaN compares unequal


# --------------------------------------------------------------------------------------------
# Explicit matrices of symbols, and random numbers, by domain
# --------------------------------------------------------------------------------------------


def symbolic_array(operand, shape, assumptions=True):
    """An object array of fresh SymPy symbols for an operand, honouring its domain.

    assumptions=False gives plain symbols (faster to differentiate and expand; used where no
    comparison has to be decided, as in the MLP chain proofs)."""
    table = {"positive": {"positive": True}, "nonzero": {"real": True, "nonzero": True}}
    flags = table.get(operand.domain, {"real": True}) if assumptions else {}
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(*shape):
        suffix = "".join(str(i) for i in index)
        name = operand.name.lower()
        out[index] = sp.Symbol(f"{name}_{suffix}" if suffix else name, **flags)
    if operand.domain == "distribution":
        # Rows of Y are probabilities: the last column is one minus the others.
        out[..., -1] = 1 - np.sum(out[..., :-1], axis=-1)
    return out


def random_array(operand, shape, rng):
    """Random float64 values in the operand's domain (away from kinks with probability 1)."""
    if operand.domain == "positive":
        return rng.uniform(0.5, 2.0, size=shape)
    if operand.domain == "nonzero":
        return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.5, 2.0, size=shape)
    if operand.domain == "probability":
        return rng.uniform(0.05, 0.95, size=shape)
    if operand.domain == "target":
        return rng.uniform(0.0, 1.0, size=shape)
    if operand.domain == "distribution":
        z = rng.normal(size=shape)
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if operand.domain == "mask":
        return rng.random(size=shape) < 0.5
    return rng.normal(size=shape)


# --------------------------------------------------------------------------------------------
# Derivation
# --------------------------------------------------------------------------------------------


class Derivation:
    """A backward rule derived, rendered, callable on NumPy arrays, and provable.

    name        the op's name in tinygrad_edu.primitives.PRIMITIVES, or a quantity's name ('linear',
                'mse', …, 'mlp_relu_identity_mse_mean')
    kind        'op' | 'quantity' | 'chain' | 'learner'
    topic       the module it belongs to: linalg, elementwise, reductions, softmax, losses,
                structural, mlp
    operands    the inputs (Operand), including the upstream G for an op
    grads       the gradients (Grad), one per input that has one
    aux         definitions the closed forms use, in order: (symbol, expression, text), e.g.
                S := softmax(A)
    forward     forward(values, params) on object arrays of symbols: the op's definition entry by
                entry, written independently of the closed form; the proof differentiates it
    cases       the configurations the proof runs (parameters, sizes, pieces)
    method      'vjp' | 'adjoint' | 'loss' (see the module docstring)
    """

    def __init__(self, name, *, kind, topic, title, forward_unicode, forward_latex, operands,
                 grads, forward, cases, method="vjp", aux=(), output_shape="", params=None,
                 notes=(), uses=(), numeric_params=None, thorough_cases=(), lemmas=()):
        self.name = name
        self.kind = kind
        self.topic = topic
        self.title = title
        self.forward_unicode = forward_unicode
        self.forward_latex = forward_latex
        self.operands = list(operands)
        self.grads = list(grads)
        self.forward = forward
        self.cases = list(cases)
        self.thorough_cases = list(thorough_cases)  # more shapes, for prove(thorough=True)
        self.lemmas = list(lemmas)  # callables → [(label, residual)]: facts other proofs use
        self.method = method
        self.aux = list(aux)
        self.output_shape = output_shape
        self.params = dict(params or {})
        self.notes = list(notes)
        self.uses = list(uses)  # lemmas proved elsewhere that this proof relies on
        self.numeric_params = numeric_params  # number-valued params for tests, if the proof's
        # params are symbols (the exponent p, the clamp bounds)
        if method not in ("vjp", "adjoint", "loss"):
            raise DerivationError(f"{name}: unknown proof method {method!r}")
        names = [op.name for op in self.operands] + [str(s.name) for s, _, _ in self.aux]
        for g in self.grads:
            if g.wrt not in names:
                raise DerivationError(f"{name}: gradient with respect to unknown operand {g.wrt}")

    # ----- the closed form ------------------------------------------------------------------
    @property
    def closed_form(self):
        """{input name: SymPy expression} — the closed forms in PyTorch layout."""
        return {g.wrt: g.closed_form for g in self.grads}

    @property
    def shapes(self):
        """{name: shape text} for every operand and gradient."""
        out = {op.name: op.shape_str for op in self.operands}
        if self.output_shape:
            out["out"] = self.output_shape
        for g in self.grads:
            out[g.quantity] = g.shape or self.operand(g.wrt).shape_str
        return out

    def operand(self, name):
        for op in self.operands:
            if op.name == name:
                return op
        raise DerivationError(f"{self.name}: no operand named {name!r}; "
                              f"operands: {', '.join(o.name for o in self.operands)}")

    def grad(self, wrt):
        for g in self.grads:
            if g.wrt == wrt or g.quantity == wrt:
                return g
        raise DerivationError(f"{self.name}: no gradient for {wrt!r}; "
                              f"gradients: {', '.join(g.quantity for g in self.grads)}")

    # ----- numbers --------------------------------------------------------------------------
    def _env(self, exact, values, params, explicit_functions=True):
        env = Env(exact=exact, params={**self.params, **(params or {})},
                  explicit_functions=explicit_functions)
        for op in self.operands:
            if op.name not in values:
                raise DerivationError(f"{self.name}: missing operand {op.name} "
                                      f"({op.shape_str}); needs "
                                      f"{', '.join(o.name for o in self.operands)}")
            env.bind(op.symbol, values[op.name])
        for symbol, expr, _ in self.aux:
            env.bind(symbol, evaluate(expr, env))
        return env

    def numpy(self, **arrays_and_params):
        """The gradients on float64 arrays: ``numpy(A=…, B=…, G=…, dim=1)`` → {name: array}.

        Keyword arguments that are not operands are the op's parameters (dim, keepdim, key …).
        Each result has the shape of the input it belongs to.
        """
        names = {op.name for op in self.operands}
        arrays = {k: np.asarray(v, dtype=bool if self._is_mask(k) else float)
                  for k, v in arrays_and_params.items() if k in names}
        params = {k: v for k, v in arrays_and_params.items() if k not in names}
        env = self._env(False, arrays, params)
        out = {}
        for g in self.grads:
            value = np.asarray(evaluate(g.closed_form, env), dtype=float)
            target = arrays[g.wrt].shape if g.wrt in arrays else value.shape
            out[g.wrt] = _to_shape(value, target, self.name, g.wrt)
        return out

    def _is_mask(self, name):
        return any(op.name == name and op.domain == "mask" for op in self.operands)

    def numeric_cases(self):
        """Cases with number-valued parameters, for the NumPy form and the engine tests."""
        if self.numeric_params is None:
            return list(self.cases)
        base = self.cases[0]
        return [Case(f"{base.label} {params}", params, dict(base.dims), dict(base.shapes))
                for params in self.numeric_params]

    def sample(self, rng, case=None, dims=None):
        """Random inputs (float64, in each operand's domain) and the case's params."""
        case = case or self.cases[0]
        if dims:
            case = Case(case.label, case.params, {**case.dims, **dims}, case.shapes, case.pieces)
        arrays = {op.name: random_array(op, case.shape_of(op), rng) for op in self.operands}
        return arrays, dict(case.params)

    # ----- proof ------------------------------------------------------------------------------
    def proof_cases(self, thorough=False):
        """The cases prove() runs: ``cases`` (three shapes whose dimensions are pairwise
        distinct, so a wrong scale such as 1/o for 1/n cannot hide behind n = o), and with
        thorough=True also ``thorough_cases`` (more and larger shapes)."""
        return list(self.cases) + (list(self.thorough_cases) if thorough else [])

    def prove(self, thorough=False):
        """Check every closed form entry by entry on small explicit matrices of symbols."""
        start = time.perf_counter()
        methods, failures, entries = {}, [], 0
        for case in self.proof_cases(thorough):
            for piece in case.pieces or [None]:
                where = case.label + (f" [{piece.label}]" if piece else "")
                first = case is self.cases[0] and piece is (case.pieces or [None])[0]
                lemmas = [pair for lemma in self.lemmas for pair in lemma()] if first else []
                try:
                    for label, residual in [*self._residuals(case, piece), *lemmas]:
                        entries += 1
                        how = zero_method(residual)
                        if how is None:
                            failures.append(f"{where}: {label} differs by "
                                            f"{sp.sstr(residual)[:200]}")
                        else:
                            methods[how] = methods.get(how, 0) + 1
                except (ValueError, TypeError, KeyError, IndexError) as e:
                    # A closed form of the wrong shape, say: a failed proof, reported.
                    failures.append(f"{where}: {type(e).__name__}: {e}")
        seconds = time.perf_counter() - start
        return Proof(self.name, ok=not failures and entries > 0,
                     how=self._how(methods, entries, thorough), entries=entries, seconds=seconds,
                     failures=failures)

    def proof_plan(self, thorough=False):
        """What prove() checks, on which sizes and pieces (no results: for docs and reports)."""
        what = {"vjp": "each entry of the closed form = ∂⟨G, f(inputs)⟩/∂entry",
                "adjoint": "⟨G, f(A)⟩ = ⟨f*(G), A⟩ identically",
                "loss": "each entry of the closed form = ∂L/∂entry"}[self.method]
        cases = self.proof_cases(thorough)
        sizes = "; ".join(c.label or _case_text(c) for c in cases)
        text = f"{what}, on {sizes}"
        pieces = [p.label for c in cases for p in c.pieces]
        if pieces:
            text += f"; on each piece ({', '.join(dict.fromkeys(pieces))})"
        if self.uses:
            text += f"; uses {', '.join(self.uses)}"
        if self.lemmas:
            text += f"; and the lemma{'s' * (len(self.lemmas) > 1)} " \
                    f"{', '.join(lemma.__name__ for lemma in self.lemmas)}"
        return text

    def _how(self, methods, entries, thorough=False):
        zeros = ", ".join(f"{k} {v}" for k, v in sorted(methods.items()))
        return f"{self.proof_plan(thorough)}: exact zero by {zeros or 'nothing'}"

    def _symbolic_values(self, case):
        return {op.name: symbolic_array(op, case.shape_of(op)) for op in self.operands}

    def _residuals(self, case, piece):
        """(label, closed form − truth) for every entry checked in one case/piece."""
        values = self._symbolic_values(case)
        point = piece.point(values, case.params) if piece else {}
        forward = piece.branch if piece else self.forward

        def at_point(x):
            return sp.sympify(x).xreplace(point) if point else sp.sympify(x)

        if piece:  # the branch is the op on this piece
            at_piece = {name: _subs_array(v, point) for name, v in values.items()}
            op_out = np.asarray(self.forward(at_piece, case.params), dtype=object)
            branch_out = np.asarray(piece.branch(at_piece, case.params), dtype=object)
            for index in np.ndindex(op_out.shape):
                yield (f"forward = branch at {list(index)}",
                       at_point(op_out[index] - branch_out[index]))

        env = self._env(True, values if not point else
                        {name: _subs_array(v, point) for name, v in values.items()},
                        case.params)
        closed = {g.wrt: np.asarray(evaluate(g.closed_form, env), dtype=object)
                  for g in self.grads}
        for g in self.grads:
            expected = case.shape_of(self.operand(g.wrt))
            got = _to_shape(closed[g.wrt], expected, self.name, g.wrt)
            closed[g.wrt] = got

        outputs = forward(values, case.params)
        if self.method == "loss":
            scalar = sp.sympify(outputs)
        else:  # ⟨G, out⟩, summed over every output when the op has several (split)
            upstream = [op.name for op in self.operands if op.role == "upstream"]
            outputs = outputs if len(upstream) > 1 else (outputs,)
            scalar = sp.sympify(sum(np.sum(values[u] * np.asarray(out, dtype=object))
                                    for u, out in zip(upstream, outputs)))

        if self.method == "adjoint":
            adjoint = sum(np.sum(np.asarray(closed[g.wrt]) * values[g.wrt]) for g in self.grads)
            yield "⟨G, f(A)⟩ − Σ⟨f*(G), A⟩", at_point(sp.sympify(scalar - adjoint))
            return

        for g in self.grads:
            variables = values[g.wrt]
            for index in np.ndindex(variables.shape):
                truth = sp.diff(scalar, variables[index])
                yield (f"{g.quantity}{list(index)}",
                       at_point(closed[g.wrt][index] - truth))

    # ----- renderings -------------------------------------------------------------------------
    def unicode(self):
        """The textbook rendering: forward, shapes, each gradient with its shape."""
        lines = [f"{self.name} — {self.title}", f"  {self.forward_unicode}"]
        shapes = ", ".join(f"{op.name}: {op.shape_str}" for op in self.operands)
        lines.append(f"  shapes: {shapes}" + (f", out: {self.output_shape}"
                                              if self.output_shape else ""))
        for symbol, _, text in self.aux:
            lines.append(f"  where {text}")
        for g in self.grads:
            shape = g.shape or self.operand(g.wrt).shape_str
            shown = "" if f"({shape})" in g.unicode else f"    ({shape})"
            rule = f"    [{g.rule}]" if g.rule else ""
            lines.append(f"  {g.unicode}{shown}{rule}")
        for note in self.notes:
            lines.append(f"  note: {note}")
        return "\n".join(lines)

    def latex(self):
        """The same in LaTeX (one display line per formula)."""
        lines = [self.forward_latex]
        lines += [g.latex for g in self.grads]
        return "\n".join(lines)

    def sympy_latex(self):
        """SymPy's own LaTeX of each closed form (kept beside the hand-written one)."""
        return {g.quantity: sp.latex(g.closed_form) for g in self.grads}

    def __repr__(self):
        return f"<Derivation {self.name} ({self.kind}, {self.topic})>"


def _case_text(case):
    if case.shapes:
        text = ", ".join(f"{k} {shape_text(v)}" for k, v in case.shapes.items())
    else:
        text = ", ".join(f"{k}={v}" for k, v in case.dims.items())
    if case.params:
        text += " (" + ", ".join(f"{k}={v!r}" for k, v in case.params.items()
                                 if k not in ("sizes",)) + ")"
    return text


def _subs_array(array, point):
    out = np.empty(np.shape(array), dtype=object)
    for index in np.ndindex(np.shape(array)):
        out[index] = sp.sympify(array[index]).xreplace(point)
    return out


def _to_shape(value, shape, name, wrt):
    """A gradient in its input's shape: a column (k×1) back to a vector (k,), (1×k) too."""
    value = np.asarray(value)
    shape = tuple(shape)
    if value.shape == shape:
        return value
    # Only a vector changes form (k×1 or 1×k ↔ k): a 1×k row is never read as a k×1 column,
    # which would hide a transpose in a rule when one dimension is 1.
    vector = (len(shape) <= 1 or value.ndim <= 1) and (value.ndim < 2 or 1 in value.shape)
    if value.size == int(np.prod(shape)) and value.ndim <= 2 and len(shape) <= 2 and vector:
        return value.reshape(shape)
    raise DerivationError(f"{name}: the closed form for ∂L/∂{wrt} has shape {value.shape}, "
                          f"but {wrt} has shape {shape}")
