"""Random programs for the differential fuzzer (tests/test_fuzz.py): draw, run, print.

A ``Program`` is a straight-line DAG in float64:

* ``leaves``: 1 to 3 arrays, each becoming a tensor with ``requires_grad=True``;
* ``constants``: arrays that become tensors without gradient (an op's second operand when no
  existing value is reused, and the loss weights);
* ``steps``: each applies one op of ``op_specs.SPECS`` to values made earlier (any of them, so
  a value can feed several ops: reuse and diamonds), and names its outputs (``max(dim)`` has
  two: values and integer indices).

Value ids number leaves first, then constants, then step outputs in order.  The last steps
build the loss: every float value nothing consumed, times a fixed random weight of its shape,
summed, and the sums added (``mul``, ``sum``, ``add`` steps like any other), so the program
ends in one scalar.

``run(lib, program)`` replays it with ``lib`` = tinygrad_edu or torch (the same code on both
sides, as in op_specs); ``reproducer(program)`` prints it as a short script using
``import tinygrad_edu as torch``.
"""

import dataclasses
import math

import numpy as np
import torch
from hypothesis import strategies as st

from tinygrad_edu import testing

from op_specs import GRAD_DOMAIN, SPECS

SPEC_NAMES = sorted(SPECS)
MAX_OPS = 30
MAX_ENTRIES = 512  # a step whose output would be larger is not taken (expand can multiply)
MAX_RANK = 6
LEAF_DOMAINS = ["real", "moderate", "positive", "nonnegative", "nonzero", "away_from_kinks"]
# Ops whose second operand only has to broadcast with the first: any existing value will do.
BROADCASTING = {name for name, spec in SPECS.items()
                if spec.shapes_from.__name__ == "_broadcast_partner"}
# Index keys are drawn as positions into every side, so a side of size 0 has none to draw.
NEEDS_NONEMPTY_SIDES = {"index", "index_put"}


@dataclasses.dataclass
class Step:
    op: str
    inputs: tuple   # value ids
    args: dict
    outputs: tuple  # value ids (two for max/min along a dim: values, indices)


class Program:
    """leaves, constants (lists of arrays), steps (list of Step); the first n_ops steps are
    drawn from op_specs, the rest build the loss.  (Not a dataclass, so that Hypothesis prints
    the one-line repr below rather than every array: the reproducer shows the program.)"""

    def __init__(self, leaves, constants, steps, n_ops=0):
        self.leaves, self.constants, self.steps, self.n_ops = leaves, constants, steps, n_ops

    def __repr__(self):  # Hypothesis prints it; the reproducer (a note) shows the program
        return (f"Program({len(self.leaves)} leaves, {len(self.constants)} constants, "
                f"{self.n_ops} ops + {len(self.steps) - self.n_ops} loss steps)")

    @property
    def first_step_id(self):
        return len(self.leaves) + len(self.constants)


# --------------------------------------------------------------------------------------------
# Drawing a program
# --------------------------------------------------------------------------------------------

def _shape_of_op(spec, shapes_dtypes, args):
    """Output (shape, dtype name) pairs of the op, found by running PyTorch on zeros; None when
    PyTorch refuses these shapes and arguments (e.g. max over an empty dim)."""
    inputs = [torch.zeros(s, dtype=getattr(torch, d)) for s, d in shapes_dtypes]
    try:
        out = spec.torch(*inputs, **args)
    except (RuntimeError, IndexError, ValueError):
        return None
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return [(tuple(o.shape), str(o.dtype).replace("torch.", "")) for o in outs]


@st.composite
def programs(draw, max_ops=MAX_OPS):
    """Strategy: a Program of 1 to max_ops ops (plus the steps that build the loss)."""
    leaves, constants, steps = [], [], []
    info = []  # per leaf: (shape, dtype name)

    for _ in range(draw(st.integers(1, 3), label="leaves")):
        shape = draw(testing.shapes(), label="leaf shape")
        dom = draw(st.sampled_from(LEAF_DOMAINS), label="leaf domain")
        leaves.append(draw(testing.arrays(shape, np.float64, domain=dom), label="leaf"))
        info.append((shape, "float64"))

    pending_constants = []  # constants drawn while stepping; numbered after all leaves

    n_ops = draw(st.integers(1, max_ops), label="ops")
    # Values are keyed ("v", leaf k), ("c", constant k) or ("s", n) while drawing, and numbered
    # at the end.  step_drafts: (op, operand keys, args, output keys).
    step_drafts = []
    values = [("v", i) for i in range(len(leaves))]
    value_info = {("v", i): info[i] for i in range(len(leaves))}
    attempts = 0
    while len(step_drafts) < n_ops and attempts < 4 * n_ops:
        attempts += 1
        name = draw(st.sampled_from(SPEC_NAMES), label="op")
        spec = SPECS[name]
        floats = [v for v in values if value_info[v][1].startswith("float")]
        x = draw(st.sampled_from(floats), label="first operand")
        x_shape = value_info[x][0]
        if name in NEEDS_NONEMPTY_SIDES and 0 in x_shape:
            continue
        strategy = spec.shapes_from(x_shape)
        if strategy is None:
            continue
        shapes = list(draw(strategy, label="shapes"))
        constants_before = len(pending_constants)
        operands = [x]
        if name in BROADCASTING:
            partners = [v for v in floats if _broadcasts(x_shape, value_info[v][0])]
            if draw(st.booleans(), label="reuse a value as second operand"):
                other = draw(st.sampled_from(partners))
                shapes[1] = value_info[other][0]
                operands.append(other)
        for i in range(len(operands), len(shapes)):
            same = [v for v in floats if value_info[v][0] == tuple(shapes[i])]
            if same and draw(st.booleans(), label="reuse a value of this shape"):
                operands.append(draw(st.sampled_from(same)))
                continue
            dom = spec.domain_of(i)
            pending_constants.append(draw(testing.arrays(shapes[i], np.float64, domain=dom),
                                          label="constant"))
            key = ("c", len(pending_constants) - 1)
            value_info[key] = (tuple(shapes[i]), "float64")
            operands.append(key)
        shapes = [value_info[v][0] for v in operands]
        if name == "matmul" and value_info[operands[0]][1] != value_info[operands[1]][1]:
            # PyTorch refuses float32 @ float64, except (unchecked) when an operand is empty
            del pending_constants[constants_before:]
            continue
        args = spec.args_for(draw, shapes)
        outs = _shape_of_op(spec, [value_info[v] for v in operands], args)
        if outs is None or any(math.prod(s) > MAX_ENTRIES or len(s) > MAX_RANK
                               for s, _ in outs):
            del pending_constants[constants_before:]  # the step is not taken
            continue
        out_keys = []
        for s, d in outs:
            key = ("s", len(value_info))
            value_info[key] = (s, d)
            values.append(key)
            out_keys.append(key)
        step_drafts.append((name, operands, args, out_keys))

    # The loss: Σ over unused float values v (leaves and step outputs) of sum(v ⊙ W_v), with
    # W_v fixed random weights (constants).
    used = {v for _, operands, _, _ in step_drafts for v in operands}
    unused = [v for v in values if v not in used and value_info[v][1].startswith("float")]
    weights = []
    for v in unused:
        pending_constants.append(draw(testing.arrays(value_info[v][0], np.float64,
                                                     domain=GRAD_DOMAIN), label="loss weight"))
        weights.append(("c", len(pending_constants) - 1))

    # Number the values: leaves, constants, then step outputs in order.
    ids = {("v", i): i for i in range(len(leaves))}
    for k in range(len(pending_constants)):
        ids[("c", k)] = len(leaves) + k
    constants.extend(pending_constants)
    next_id = len(leaves) + len(constants)
    for name, operands, args, out_keys in step_drafts:
        outputs = []
        for key in out_keys:
            ids[key] = next_id
            outputs.append(next_id)
            next_id += 1
        steps.append(Step(name, tuple(ids[v] for v in operands), args, tuple(outputs)))

    steps += _loss_steps([(ids[v], ids[w]) for v, w in zip(unused, weights)], next_id)
    return Program(leaves, constants, steps, n_ops=len(step_drafts))


def _loss_steps(pairs, next_id):
    """The loss steps: Σ over (value id, weight id) pairs of sum(value ⊙ weight), the new
    values numbered from next_id on (the last step's output is the loss)."""
    steps = []
    total = None
    for value, weight in pairs:
        steps.append(Step("mul", (value, weight), {}, (next_id,)))
        steps.append(Step("sum", (next_id,), {"dim": None, "keepdim": False}, (next_id + 1,)))
        next_id += 2
        if total is not None:
            steps.append(Step("add", (total, next_id - 1), {}, (next_id,)))
            next_id += 1
        total = next_id - 1
    return steps


def _broadcasts(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


# --------------------------------------------------------------------------------------------
# Running a program
# --------------------------------------------------------------------------------------------

def run(lib, program, on_value=None, leaves=None):
    """Replay the program with lib (tinygrad_edu or torch); returns the list of all values
    (tensors) by id.  on_value(id, tensor) is called as each value is made.  leaves: tensors
    to use as the leaves instead of new ones made from program.leaves (the second-order
    fuzzer hands in the inputs autograd.functional gives its function)."""
    values = []

    def add(t):
        if on_value is not None:
            on_value(len(values), t)
        values.append(t)

    if leaves is None:
        leaves = [lib.tensor(a, requires_grad=True) for a in program.leaves]
    assert len(leaves) == len(program.leaves)
    for t in leaves:
        add(t)
    for a in program.constants:
        add(lib.tensor(a))
    for step in program.steps:
        out = SPECS[step.op].fn(lib, *[values[i] for i in step.inputs], **step.args)
        for t in (list(out) if isinstance(out, (tuple, list)) else [out]):
            add(t)
    return values


# --------------------------------------------------------------------------------------------
# Printing a program as a script
# --------------------------------------------------------------------------------------------

_TEMPLATES = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
    "pow_tensor": "{0} ** {1}", "maximum": "torch.maximum({0}, {1})",
    "minimum": "torch.minimum({0}, {1})",
    "where": "torch.where(torch.tensor({condition}), {0}, {1})",
    "neg": "-{0}", "pow": "{0} ** {exponent}", "exp": "{0}.exp()", "log": "{0}.log()",
    "sqrt": "{0}.sqrt()", "sin": "{0}.sin()", "cos": "{0}.cos()", "abs": "{0}.abs()",
    "log1p": "{0}.log1p()", "expm1": "{0}.expm1()", "erf": "{0}.erf()",
    "relu": "{0}.relu()", "tanh": "{0}.tanh()", "sigmoid": "{0}.sigmoid()",
    "clamp": "{0}.clamp(min={min}, max={max})", "cast": "{0}.to(torch.{dtype_name})",
    "clone": "{0}.clone()", "sum": "{0}.sum(dim={dim}, keepdim={keepdim})",
    "mean": "{0}.mean(dim={dim}, keepdim={keepdim})",
    "log_softmax": "{0}.log_softmax({dim})", "softmax": "{0}.softmax({dim})",
    "matmul": "{0} @ {1}", "linear": "torch.nn.functional.linear({0}, {1}, {2})",
    "mse": "torch.nn.functional.mse_loss({0}, {1}, reduction={reduction!r})",
    "reshape": "{0}.reshape({shape})", "permute": "{0}.permute({dims})",
    "expand": "{0}.expand({shape})", "index": "{0}[{key}]",
    "cat": "torch.cat([{all}], dim={dim})", "stack": "torch.stack([{all}], dim={dim})",
}


def _literal(array):
    """Source for a float64 tensor's data with exact values (repr of a float round-trips)."""
    return repr(np.asarray(array, dtype=np.float64).tolist())


def _tensor_source(array, requires_grad=False):
    """Source for a float64 tensor with exactly these values (an empty one by its shape, which
    a nested list like [] cannot carry)."""
    options = "dtype=torch.float64" + (", requires_grad=True" if requires_grad else "")
    if np.size(array) == 0:
        return f"torch.zeros({tuple(np.shape(array))}, {options})"
    return f"torch.tensor({_literal(array)}, {options})"


def _bool_literal(array):
    return repr(np.asarray(array).tolist())


def _key_source(key):
    parts = key if isinstance(key, tuple) else (key,)
    if not parts:
        return "()"
    out = []
    for p in parts:
        if isinstance(p, np.ndarray):
            out.append(f"torch.tensor({repr(p.tolist())})")
        elif isinstance(p, slice):  # start:stop, then :step if there is one (0: is not 0)
            start, stop = ("" if v is None else str(v) for v in (p.start, p.stop))
            out.append(f"{start}:{stop}" + ("" if p.step is None else f":{p.step}"))
        elif p is Ellipsis:
            out.append("...")
        else:
            out.append(repr(p))
    return ", ".join(out) + ("," if len(out) == 1 and out[0] == "()" else "")


def _step_source(step):
    names = [f"v{i}" for i in step.inputs]
    outs = ", ".join(f"v{o}" for o in step.outputs)
    args = dict(step.args)
    if step.op == "index_put":
        return f"{outs} = {names[0]}.clone()\n{outs}[{_key_source(args['key'])}] = {names[1]}"
    if step.op in ("max", "min"):
        call = (f"{names[0]}.{step.op}()" if args["dim"] is None
                else f"{names[0]}.{step.op}({args['dim']}, {args['keepdim']})")
        return f"{outs} = {call}"
    if step.op == "where":
        args["condition"] = _bool_literal(args["condition"])
    if step.op == "index":
        args["key"] = _key_source(args["key"])
    if step.op == "cast":
        args["dtype_name"] = args["dtype"]
    return f"{outs} = " + _TEMPLATES[step.op].format(*names, all=", ".join(names), **args)


def reproducer(program):
    """A short script that rebuilds the inputs with their exact values and replays the ops.
    With ``import torch`` instead of the first line it runs on PyTorch."""
    lines = ["import tinygrad_edu as torch  # or: import torch, to see PyTorch's answer",
             "", "torch.set_printoptions(precision=17)"]
    for i, a in enumerate(program.leaves):
        lines.append(f"v{i} = {_tensor_source(a, requires_grad=True)}")
    for k, a in enumerate(program.constants):
        lines.append(f"v{len(program.leaves) + k} = {_tensor_source(a)}")
    for step in program.steps:
        lines.append(_step_source(step))
    loss = f"v{program.steps[-1].outputs[-1]}" if program.steps else None
    made = [o for s in program.steps for o in s.outputs]
    if loss is not None:
        lines += [f"for v in [{', '.join(f'v{o}' for o in made[:-1])}]:",
                  "    if v.requires_grad:", "        v.retain_grad()"] if len(made) > 1 else []
        lines += [f"{loss}.backward()", f"print('loss', {loss})"]
        lines += [f"print('v{i}.grad', v{i}.grad)" for i in range(len(program.leaves))]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Shrinking a failing program
# --------------------------------------------------------------------------------------------

def _rebuild(program, keep_leaves, keep_ops, weights):
    """A program with only the given leaves and ops (old ids; the ops' inputs among them), a
    fresh loss over what is now unused (a value's old weight if it had one, else ones)."""
    leaves = [program.leaves[i] for i in keep_leaves]
    ids = {old: new for new, old in enumerate(keep_leaves)}
    op_constants = sorted({i for s in keep_ops for i in s.inputs
                           if len(program.leaves) <= i < program.first_step_id})
    constants = [program.constants[i - len(program.leaves)] for i in op_constants]
    for k, old in enumerate(op_constants):
        ids[old] = len(leaves) + k
    used = {i for s in keep_ops for i in s.inputs}
    made = list(keep_leaves) + [o for s in keep_ops for o in s.outputs]
    shapes = {i: np.shape(program.leaves[i]) for i in keep_leaves}
    values = run(torch, Program(program.leaves, program.constants, []))
    for s in keep_ops:  # shapes and dtypes of the kept outputs, from a PyTorch replay
        try:
            out = SPECS[s.op].fn(torch, *[values[i] for i in s.inputs], **s.args)
        except (RuntimeError, IndexError, ValueError):
            return None  # not a valid program any more
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        while len(values) <= max(s.outputs):
            values.append(None)
        for o, t in zip(s.outputs, outs):
            values[o] = t
            shapes[o] = tuple(t.shape)
    unused = [i for i in made if i not in used and values[i].dtype.is_floating_point]
    for i in unused:
        constants.append(weights.get(i, np.ones(shapes[i])))
    weight_ids = {i: len(leaves) + len(constants) - len(unused) + k
                  for k, i in enumerate(unused)}
    next_id = len(leaves) + len(constants)
    steps = []
    for s in keep_ops:
        outputs = []
        for o in s.outputs:
            ids[o] = next_id
            outputs.append(next_id)
            next_id += 1
        steps.append(Step(s.op, tuple(ids[i] for i in s.inputs), s.args, tuple(outputs)))
    steps += _loss_steps([(ids[i], weight_ids[i]) for i in unused], next_id)
    return Program(leaves, constants, steps, n_ops=len(keep_ops))


def minimize(program, fails):
    """The smallest program found by deleting ops (with everything computed from them) and
    leaves one at a time while fails(program) stays True."""
    weights = {}
    for s in program.steps[program.n_ops:]:
        if s.op == "mul":
            weights[s.inputs[0]] = program.constants[s.inputs[1] - len(program.leaves)]
    keep_leaves = list(range(len(program.leaves)))
    keep_ops = list(program.steps[:program.n_ops])
    best = program
    changed = True
    while changed:
        changed = False
        for k in reversed(range(len(keep_ops))):
            if k >= len(keep_ops):
                continue
            dropped = set(keep_ops[k].outputs)
            trial = []
            for s in keep_ops[:k] + keep_ops[k + 1:]:
                if dropped & set(s.inputs):
                    dropped |= set(s.outputs)
                else:
                    trial.append(s)
            candidate = _rebuild(program, keep_leaves, trial, weights)
            if candidate is not None and fails(candidate):
                keep_ops, best, changed = trial, candidate, True
        used = {i for s in keep_ops for i in s.inputs}
        for leaf in list(keep_leaves):
            if leaf in used or len(keep_leaves) == 1:
                continue
            trial_leaves = [i for i in keep_leaves if i != leaf]
            candidate = _rebuild(program, trial_leaves, keep_ops, weights)
            if candidate is not None and fails(candidate):
                keep_leaves, best, changed = trial_leaves, candidate, True
    return best
