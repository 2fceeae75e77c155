"""Pictures of the engine at work: the computation graph, a traced backward pass, loss curves.

    to_dot(t, model=None)              Graphviz DOT text of the graph that produced t
    draw_graph(t, path=None, model=None)  the same graph drawn with matplotlib (a Figure)
    trace_backward(loss, model=None, file=None)
                                       loss.backward(), printing each node's step and its rule
    plot_losses(losses, path, ...)     one or several loss curves saved as a PNG

Imported explicitly (``import tinygrad_edu.viz``), never by ``import tinygrad_edu``;
matplotlib is imported only inside the functions that draw, and drawing uses matplotlib's Agg
canvas directly (no pyplot, no window, nothing shown).

A graph is read from ``tensor.grad_fn``: each Node's ``inputs`` are Nodes (intermediates),
leaf Tensors (where a ``.grad`` will land) or None (an input that needs no gradient, left out).
Node ids and intermediate names follow the walk order, never ``id()``, so the text is the
same on every run.
"""

import math
import re
import sys

from . import rule_texts
from .autograd import Node, _topological_order
from .tensor import Tensor

__all__ = ["to_dot", "draw_graph", "trace_backward", "plot_losses"]


# --------------------------------------------------------------------------------------------
# Reading the graph
# --------------------------------------------------------------------------------------------

def _shape_text(shape):
    """(200, 10) → '(200×10)', (10,) → '(10)', () → '(scalar)'."""
    shape = tuple(shape)
    return "(" + ("×".join(str(s) for s in shape) if shape else "scalar") + ")"


def _op_name(node):
    """The short op name: 'mul', 'matmul', … (a custom Function: its class name)."""
    op = node.op
    name = getattr(op, "name", None)
    if isinstance(name, str):
        return name
    fn = getattr(op, "fn", None)  # a public autograd.Function, wrapped by _FunctionOp
    return fn.__name__ if fn is not None else node.name()


def _parameter_names(model):
    """{id(parameter): dotted name} from model.named_parameters(), or {} without a model."""
    if model is None:
        return {}
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"viz: model must be an nn.Module (something with named_parameters()), "
                        f"got {type(model).__name__}")
    return {id(p): name for name, p in model.named_parameters()}


def _check_tensor(tensor, who):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{who}: expected a Tensor, got {type(tensor).__name__}")


class _Graph:
    """The graph behind a tensor, walked breadth-first from it.

    items[i] is a Node or a leaf Tensor; i is its id in the DOT text (n0 is the tensor itself).
    edges are (input index, consumer index) pairs, in the direction data flows forward.
    """

    def __init__(self, tensor, model=None):
        self.param_names = _parameter_names(model)
        root = tensor.grad_fn if tensor.grad_fn is not None else tensor
        self.items = [root]
        self.index = {id(root): 0}
        self.edges = []
        position = 0
        while position < len(self.items):
            item = self.items[position]
            if isinstance(item, Node):
                for target in item.grad_targets:
                    if target is None:
                        continue  # an input that needs no gradient is not part of the graph
                    if id(target) not in self.index:
                        self.index[id(target)] = len(self.items)
                        self.items.append(target)
                    self.edges.append((self.index[id(target)], position))
            position += 1

    def leaf_name(self, leaf):
        return self.param_names.get(id(leaf))

    def label_lines(self, item):
        """The lines of a node's label: op and output shape; a leaf's name, shape, grad."""
        if isinstance(item, Node):
            return [_op_name(item), _shape_text(item.out_shape)]
        lines = [self.leaf_name(item) or "leaf", _shape_text(item.shape)]
        if item.grad is not None:
            lines.append("grad " + _shape_text(item.grad.shape))
        return lines

    def layers(self):
        """Longest-path layering from the output: layer(output) = 0, and every input sits one
        layer below its lowest consumer, so all arrows point up."""
        layer = [0] * len(self.items)
        root = self.items[0]
        if isinstance(root, Node):
            for node in _topological_order(root):  # consumers come before their inputs
                here = layer[self.index[id(node)]]
                for target in node.grad_targets:
                    if target is not None:
                        i = self.index[id(target)]
                        layer[i] = max(layer[i], here + 1)
        return layer


def to_dot(tensor, model=None):
    """Graphviz DOT text of the computation graph that produced `tensor`.

    One box per op (its name and output shape) and one ellipse per leaf (its parameter name
    when `model` is given, else 'leaf', its shape, and after backward the shape of its .grad);
    arrows go from inputs to the op that used them.  Render with ``dot -Tpng``.
    """
    _check_tensor(tensor, "to_dot")
    graph = _Graph(tensor, model)
    lines = ["digraph {", "  rankdir=BT;", '  node [fontname="Helvetica"];']
    for i, item in enumerate(graph.items):
        label = "\\n".join(graph.label_lines(item)).replace('"', '\\"')
        shape = "box" if isinstance(item, Node) else "ellipse"
        lines.append(f'  n{i} [label="{label}", shape={shape}];')
    for source, target in graph.edges:
        lines.append(f"  n{source} -> n{target};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Drawing with matplotlib
# --------------------------------------------------------------------------------------------

_BOX_WIDTH, _BOX_HEIGHT = 0.84, 0.5  # in layout units: one column or layer = 1 unit


def _new_figure(width, height):
    """A matplotlib Figure on the Agg canvas: no pyplot state, no window."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height))
    FigureCanvasAgg(figure)
    return figure


def draw_graph(tensor, path=None, model=None):
    """Draw the graph of to_dot with matplotlib: boxes for ops, rounded boxes for leaves,
    arrows from inputs up to the op using them, the output at the top (longest-path layers).

    Saves a PNG to `path` when given; returns the matplotlib Figure.
    """
    _check_tensor(tensor, "draw_graph")
    from matplotlib.patches import FancyBboxPatch

    graph = _Graph(tensor, model)
    layer = graph.layers()
    n_layers = max(layer) + 1
    rows = [[i for i in range(len(graph.items)) if layer[i] == k] for k in range(n_layers)]
    width = max(len(row) for row in rows)
    position = {}
    for k, row in enumerate(rows):
        for column, i in enumerate(row):
            position[i] = (column - (len(row) - 1) / 2, -k)

    figure = _new_figure(max(3.0, 2.0 * width), max(2.0, 1.3 * n_layers))
    axes = figure.add_axes([0, 0, 1, 1])
    axes.set_xlim(-width / 2, width / 2)
    axes.set_ylim(-n_layers + 0.5, 0.5)
    axes.axis("off")
    for i, item in enumerate(graph.items):
        x, y = position[i]
        is_op = isinstance(item, Node)
        named = not is_op and graph.leaf_name(item) is not None
        color = "#ffe9a8" if i == 0 else "#fff7d6" if is_op else "#cfe6ff" if named else "#e8e8e8"
        axes.add_patch(FancyBboxPatch(
            (x - _BOX_WIDTH / 2, y - _BOX_HEIGHT / 2), _BOX_WIDTH, _BOX_HEIGHT,
            boxstyle="square,pad=0" if is_op else "round,pad=0,rounding_size=0.12",
            facecolor=color, edgecolor="#444444"))
        axes.text(x, y, "\n".join(graph.label_lines(item)), ha="center", va="center",
                  fontsize=8)
    for source, target in graph.edges:
        (x0, y0), (x1, y1) = position[source], position[target]
        axes.annotate("", xy=(x1, y1 - _BOX_HEIGHT / 2), xytext=(x0, y0 + _BOX_HEIGHT / 2),
                      arrowprops=dict(arrowstyle="-|>", color="#444444", shrinkA=0, shrinkB=0))
    if path is not None:
        figure.savefig(path, dpi=100)
    return figure


# --------------------------------------------------------------------------------------------
# Backward rules: the proved texts of rule_texts.py (generated from derivations/)
# --------------------------------------------------------------------------------------------

# The engine's argument order where it differs from the derivation's (where(C, A, B)).
_ENGINE_ORDER = {"where": ("C", "A", "B")}


def _rule_key(node):
    """The rule_texts entry of node: its op's name (mse_sum for MSE with reduction='sum')."""
    name = _op_name(node)
    if name == "mse" and getattr(node, "reduction", "mean") == "sum":
        return "mse_sum"
    return name


def _letters(node):
    """The letter of each of node's inputs, in the engine's order ((), not a primitive)."""
    key = _rule_key(node)
    return _ENGINE_ORDER.get(key, rule_texts.OPERANDS.get(key, ()))


def _rule_text(node, index):
    """The proved rule for input `index` of node, with its letters still the derivation's."""
    key = _rule_key(node)
    rules = rule_texts.RULES.get(key)
    if rules is None:  # a public autograd.Function: its own backward is the rule
        return f"{_op_name(node)}.backward(ctx, G)"
    letters = _letters(node)
    text = rules.get(letters[index]) if index < len(letters) else None
    return text if text is not None else f"{node.name()} of G"


def _rule_parameters(node):
    """The constants a rule mentions (p, N), for the end of the line."""
    name = _op_name(node)
    if name == "pow":
        return f"p = {node.exponent:g}"
    if name == "mean":
        return f"N = {node.count}"
    if name == "mse":
        return f"n·o = {node.count}" if node.reduction == "mean" else ""
    return "; ".join(rule_texts.WHERE.get(name, ()))


# --------------------------------------------------------------------------------------------
# Tracing the backward pass
# --------------------------------------------------------------------------------------------

def _is_transpose(target):
    return (isinstance(target, Node) and _op_name(target) == "permute"
            and tuple(getattr(target, "dims", ())) == (1, 0))


def _is_linear_matmul(node):
    """A matmul X Wᵀ whose second input is a 2-D transpose (how nn.Linear computes)."""
    return (isinstance(node, Node) and _op_name(node) == "matmul"
            and _is_transpose(node.grad_targets[1]))


class _Names:
    """What each value of the graph is called in a trace.

    Leaves: their parameter name (model given) or leaf1, leaf2, …  The output: L.  The result
    of a linear layer (X Wᵀ + b): Z1, Z2, … in forward order, and a relu/tanh/sigmoid of Zk: Hk.
    Any other intermediate: its op and a count, e.g. pow1.
    """

    def __init__(self, root, param_names):
        self.names = {}
        self.folded = {}  # id(transpose node) -> weight name, shown in the matmul's line
        counts = {}
        layers = 0
        for node in reversed(_topological_order(root)):  # forward order: inputs first
            for target in node.grad_targets:
                if isinstance(target, Tensor) and id(target) not in self.names:
                    counts["leaf"] = counts.get("leaf", 0) + 1
                    self.names[id(target)] = param_names.get(id(target), f"leaf{counts['leaf']}")
            op = _op_name(node)
            first = node.grad_targets[0] if node.grad_targets else None
            if _is_transpose(node):
                name = self.of(node.grad_targets[0]) + "ᵀ"
            elif op == "linear" or (op == "add" and _is_linear_matmul(first)
                                    and isinstance(node.grad_targets[1], Tensor)):
                layers += 1
                name = f"Z{layers}"
            elif op in ("relu", "tanh", "sigmoid") and re.fullmatch(r"Z\d+", self.of(first)):
                name = "H" + self.of(first)[1:]
            else:
                counts[op] = counts.get(op, 0) + 1
                name = f"{op}{counts[op]}"
            self.names[id(node)] = name
            transpose = node.grad_targets[1] if _is_linear_matmul(node) else None
            if transpose is not None and transpose.grad_targets[0] is not None:
                self.folded[id(transpose)] = self.of(transpose.grad_targets[0])
        self.names[id(root)] = "L"

    def of(self, target):
        if target is None:
            return "?"
        return self.names.get(id(target), "?")


def _renamer(node, names, letters):
    """A function that writes a rule's letters as the graph's names: each operand letter as
    the name of the input in its place (kept when that input has no gradient, like mse's
    target Y), and out as the node's output."""
    tokens = sorted(set(letters) | {"out"}, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z0-9_])(" + "|".join(map(re.escape, tokens))
                         + r")(?![A-Za-z0-9_])")
    position = {letter: i for i, letter in enumerate(letters)}

    def rename(match):
        token = match.group(1)
        if token == "out":
            return names.of(node)
        i = position[token]
        if i < len(node.grad_targets) and node.grad_targets[i] is not None:
            return names.of(node.grad_targets[i])
        return token

    return lambda text: pattern.sub(rename, text)


def _step_lines(node, input_grads, grad_out, names):
    """The lines for one backward step of node: a header, then one line per input gradient."""
    out_name = names.of(node)
    lines = [f"{node.name()}: G = ∂L/∂{out_name} {_shape_text(grad_out.shape)}"]
    if id(node) in names.folded:
        weight = names.folded[id(node)]
        lines.append(f"  (transposes ∂L/∂{weight}ᵀ back to {weight}'s layout: shown in the "
                     f"matmul step above)")
        return lines
    if _op_name(node) == "matmul":
        return lines + _matmul_lines(node, input_grads, grad_out, names)
    if _op_name(node) == "linear":
        return lines + _linear_lines(node, grad_out, names)
    rename = _renamer(node, names, _letters(node))
    for index, (target, g) in enumerate(zip(node.grad_targets, input_grads)):
        if target is None or g is None:
            continue
        target_name = names.of(target)
        target_shape = target.out_shape if isinstance(target, Node) else tuple(target.shape)
        line = f"  ∂L/∂{target_name} {_shape_text(target_shape)} = " \
               f"{rename(_rule_text(node, index))}"
        extra = _rule_parameters(node)
        if extra:
            line += f"   [{rename(extra)}]"
        if tuple(g.shape) != tuple(target_shape):
            line += (f", summed over the broadcast axes {_shape_text(g.shape)} → "
                     f"{_shape_text(target_shape)}")
        lines.append(line)
    return lines


def _with_shapes(rule, factors):
    """A product rule such as 'G Bᵀ' written factor by factor with names and shapes:
    factors maps each letter to (name, shape); 'Bᵀ' shows B's name with ᵀ and its shape with
    the last two axes swapped.  'G (4×1) · W2 (1×3)'."""
    out = []
    for token in rule.split():
        transposed = token.endswith("ᵀ")
        name, shape = factors[token[:-1] if transposed else token]
        shape = _swap_last(shape) if transposed else shape
        out.append(f"{name}{'ᵀ' if transposed else ''} {_shape_text(shape)}")
    return " · ".join(out)


def _swap_last(shape):
    shape = tuple(shape)
    return shape[:-2] + (shape[-1], shape[-2]) if len(shape) >= 2 else shape


def _matmul_lines(node, input_grads, grad_out, names):
    """out = A @ B:  ∂L/∂A = G · Bᵀ,  ∂L/∂B = Aᵀ · G, with shapes.  For a linear layer
    (B = Wᵀ) the weight's line is written in W's own layout: ∂L/∂W = Gᵀ · X."""
    a, b = node.saved_values
    g = _shape_text
    a_target, b_target = node.grad_targets
    linear = _is_transpose(b_target)
    a_name = names.of(a_target) if a_target is not None else ("X" if linear else "A")
    lines = []
    if linear:
        weight = b_target.grad_targets[0]
        w_name = names.of(weight) if weight is not None else "W"
        return _layer_lines(a_name, a.shape, w_name, _swap_last(b.shape), grad_out.shape,
                            a_target is not None, weight is not None)
    b_name = names.of(b_target) if b_target is not None else "B"
    factors = {"G": ("G", grad_out.shape), "A": (a_name, a.shape), "B": (b_name, b.shape)}
    rules = rule_texts.RULES["matmul"]
    if a_target is not None:
        lines.append(f"  ∂L/∂{a_name} {g(a.shape)} = {_with_shapes(rules['A'], factors)}")
    if b_target is not None:
        lines.append(f"  ∂L/∂{b_name} {g(b.shape)} = {_with_shapes(rules['B'], factors)}")
    return lines


def _linear_lines(node, grad_out, names):
    """Z = X Wᵀ + 𝟏 bᵀ:  the lines of _layer_lines, then ∂L/∂b = Gᵀ 𝟏."""
    x, w = node.saved_values
    x_target, w_target, b_target = node.grad_targets
    x_name = names.of(x_target) if x_target is not None else "X"
    w_name = names.of(w_target) if w_target is not None else "W"
    lines = _layer_lines(x_name, x.shape, w_name, w.shape, grad_out.shape,
                         x_target is not None, w_target is not None)
    if b_target is not None:
        lines.append(f"  ∂L/∂{names.of(b_target)} {_shape_text(b_target.shape)} = "
                     f"{rule_texts.RULES['linear']['b']}, the column sums of G "
                     f"{_shape_text(grad_out.shape)}")
    return lines


def _layer_lines(x_name, x_shape, w_name, w_shape, g_shape, want_x, want_w):
    """Z = X Wᵀ:  ∂L/∂X = G · W,  ∂L/∂W = Gᵀ · X (every row of X is a sample), with shapes."""
    rows = math.prod(g_shape[:-1])
    rules = rule_texts.RULES["linear"]
    lines = []
    if want_x:
        factors = {"G": ("G", g_shape), "W": (w_name, w_shape)}
        lines.append(f"  ∂L/∂{x_name} {_shape_text(x_shape)} = "
                     f"{_with_shapes(rules['X'], factors)}")
    if want_w:  # every row of every batch is a sample: G and X flattened to rows
        factors = {"G": ("G", (rows, g_shape[-1])), "X": (x_name, (rows, x_shape[-1]))}
        lines.append(f"  ∂L/∂{w_name} {_shape_text(w_shape)} = "
                     f"{_with_shapes(rules['W'], factors)}")
    return lines


def trace_backward(loss, model=None, file=None):
    """Run ``loss.backward()`` and print each node's step as the engine takes it.

    The engine's own backward pass does the work; a hook on every node (Node.register_hook:
    called after the node's backward step with its input gradients and G) prints the step:

        [2] AddmmBackward0: G = ∂L/∂Z2 (200×1)
          ∂L/∂H1 (200×10) = G (200×1) · layer2.weight (1×10)
          ∂L/∂layer2.weight (1×10) = Gᵀ (1×200) · H1 (200×10)
          ∂L/∂layer2.bias (1) = Gᵀ 𝟏, the column sums of G (200×1)

    G is ∂L/∂(the node's output); each rule is the proved text of rule_texts.py (generated from
    derivations/ by ``python -m derivations rules``).  A
    gradient that comes back in a broadcast shape (a bias's: one row per sample) says so; the
    engine sums it to the input's shape.  A Z = X Wᵀ + b written out by hand (matmul of a
    transpose, then add) gets the same names, its transpose folded into the matmul's line.
    Lines go to `file` (default sys.stdout) and are returned as a list.
    The hooks are removed afterwards, also when backward fails.
    """
    _check_tensor(loss, "trace_backward")
    if loss.grad_fn is None:
        raise RuntimeError(
            "trace_backward: the loss has no grad_fn, so there is no backward pass to trace; "
            "compute it from tensors with requires_grad=True (and not inside no_grad())")
    out = sys.stdout if file is None else file
    names = _Names(loss.grad_fn, _parameter_names(model))
    printed = []
    steps = [0]

    def make_hook(node):
        def hook(input_grads, grad_out):
            steps[0] += 1
            lines = _step_lines(node, input_grads, grad_out, names)
            lines[0] = f"[{steps[0]}] " + lines[0]
            for line in lines:
                print(line, file=out)
            printed.extend(lines)
        return hook

    hooked = []
    try:
        for node in _topological_order(loss.grad_fn):
            hook = make_hook(node)
            node.register_hook(hook)
            hooked.append((node, hook))
        loss.backward()
    finally:
        for node, hook in hooked:
            node._hooks.remove(hook)  # Node.register_hook returns no handle
            if not node._hooks:
                node._hooks = None
    return printed


# --------------------------------------------------------------------------------------------
# Loss curves
# --------------------------------------------------------------------------------------------

def plot_losses(losses, path, title="Training loss", labels=None, xlabel="epoch",
                ylabel="loss"):
    """Save a PNG of one loss curve (a list of numbers) or several (a list of lists, or a
    dict {label: list}) to `path`; returns the path.  Curves may differ in length."""
    if hasattr(losses, "tolist"):  # a NumPy array or a Tensor of losses
        losses = losses.tolist()
    if isinstance(losses, dict):
        labels = list(losses) if labels is None else labels
        curves = list(losses.values())
    elif len(losses) and hasattr(losses[0], "__len__"):
        curves = list(losses)
    else:
        curves = [losses]
    if labels is not None and len(labels) != len(curves):
        raise ValueError(f"plot_losses: {len(labels)} labels for {len(curves)} curves")
    figure = _new_figure(6.4, 4.2)
    axes = figure.add_subplot()
    for i, curve in enumerate(curves):
        values = [float(v) for v in curve]
        axes.plot(range(len(values)), values,
                  label=None if labels is None else str(labels[i]))
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.grid(True)
    if labels is not None:
        axes.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path
