"""What of PyTorch's API this engine covers (issue 15's scope), in one place, and the error a
name outside it gives.

The scope is the API of fully connected networks on the CPU: the names below, each with
PyTorch's signature, defaults, dtype rules and errors.  docs/pytorch-coverage.md is generated
from these lists (``python -m tools.coverage``), tests/test_pytorch_scope.py compares every
present name with PyTorch, and a missing attribute of ``tinygrad_edu``, its modules that stand
for PyTorch's (``nn``, ``nn.functional``, ``nn.init``, ``optim``, ``autograd``, ``utils``,
``utils.data``) or a Tensor method PyTorch has raises ``NotInEngine``: an AttributeError (so
``hasattr`` and ``getattr(…, default)`` still work) that says whether the name is in the scope
but not written yet, or outside it, and names what the engine has nearby.  The modules answer
through a module ``__getattr__``; Tensor through one placeholder on the class per name of
PyTorch's Tensor it lacks (``install_tensor_placeholders``; the names are recorded in
torch_tensor_names.py), since a ``__getattr__`` on Tensor slowed every attribute access.
"""

import difflib
import re

__all__ = ["TORCH", "NN", "FUNCTIONAL", "TENSOR_EXCLUDED", "NotInEngine", "scope_names",
           "missing_attribute", "install_tensor_placeholders"]

# torch.<name>; a dotted name is an attribute of an attribute (torch.cuda.is_available).
TORCH = {
    "creation and sampling":
        "tensor as_tensor from_numpy zeros ones empty full zeros_like ones_like empty_like "
        "full_like rand_like randn_like arange linspace eye rand randn randint randperm normal "
        "bernoulli multinomial manual_seed Generator",
    "math":
        "add sub mul div neg pow square sqrt exp log log1p expm1 abs sign clamp clip maximum "
        "minimum sin cos tanh sigmoid erf floor ceil round lerp where isnan isinf isfinite eq ne "
        "lt le gt ge logical_and logical_or logical_not allclose equal",
    "reductions":
        "sum mean prod var std max min amax amin argmax argmin logsumexp norm cumsum all any",
    "linear algebra": "matmul mm bmm mv dot outer addmm einsum t transpose",
    "shape":
        "reshape flatten squeeze unsqueeze cat stack split chunk flip tril triu gather "
        "masked_fill clone",
    "modes and devices":
        "no_grad enable_grad set_grad_enabled inference_mode device cuda.is_available "
        "backends.mps.is_available backends.cudnn.deterministic backends.cudnn.benchmark "
        "backends.cudnn.enabled set_default_dtype get_default_dtype",
}

# torch.nn.<name>
NN = {
    "the base every module needs (implied by the modules below)": "Module Parameter",
    "layers": "Linear Identity Flatten Unflatten Dropout Embedding BatchNorm1d LayerNorm",
    "activations":
        "ReLU LeakyReLU PReLU ReLU6 ELU SELU CELU GELU SiLU Mish Softplus Softsign Hardtanh "
        "Hardsigmoid Hardswish LogSigmoid Tanh Sigmoid Tanhshrink Threshold Softmax LogSoftmax "
        "Softmin",
    "containers": "Sequential ModuleList ModuleDict ParameterList ParameterDict",
    "losses":
        "MSELoss L1Loss SmoothL1Loss HuberLoss BCELoss BCEWithLogitsLoss CrossEntropyLoss "
        "NLLLoss KLDivLoss",
}

# torch.nn.functional.<name>: the functional forms of the modules above, and one_hot
FUNCTIONAL = {
    "layers": "linear dropout embedding batch_norm layer_norm one_hot",
    "activations":
        "relu leaky_relu prelu relu6 elu selu celu gelu silu mish softplus softsign hardtanh "
        "hardsigmoid hardswish logsigmoid tanh sigmoid tanhshrink threshold softmax "
        "log_softmax softmin",
    "losses":
        "mse_loss l1_loss smooth_l1_loss huber_loss binary_cross_entropy "
        "binary_cross_entropy_with_logits cross_entropy nll_loss kl_div",
}

# torch.Tensor methods: every name of TORCH's groups that PyTorch's Tensor also has as a
# method (tools/coverage.py asks PyTorch: x.add, x.bernoulli, …), except this group's:
TENSOR_EXCLUDED = ("modes and devices",)


def scope_names(groups):
    """All names of a scope dict, in order."""
    return [name for names in groups.values() for name in names.split()]


class NotInEngine(AttributeError):
    """A PyTorch name this engine does not have (an AttributeError, so hasattr still works).

    ``NotInEngine(explain=f)`` writes its message, f(), only when it is read: hasattr() and
    getattr(…, default) catch the error unread, and finding what is near takes ~0.2 ms."""

    def __init__(self, *args, explain=None):
        super().__init__(*args)
        self._explain = explain

    def __str__(self):
        if self._explain is not None:
            self.args, self._explain = (self._explain(),), None
        return super().__str__()


# module -> PyTorch's name for it, and the scope's names there.  The scope of the
# other modules is what they hold (issue 15 lists no more of them).
_NAMESPACES = {"tinygrad_edu": ("torch", TORCH), "tinygrad_edu.nn": ("torch.nn", NN),
               "tinygrad_edu.nn.functional": ("torch.nn.functional", FUNCTIONAL),
               "Tensor": ("torch.Tensor", {group: names for group, names in TORCH.items()
                                           if group not in TENSOR_EXCLUDED}),
               "nn.Module": ("torch.nn.Module", {}),
               "tinygrad_edu.nn.init": ("torch.nn.init", {}),
               "tinygrad_edu.optim": ("torch.optim", {}),
               "tinygrad_edu.autograd": ("torch.autograd", {}),
               "tinygrad_edu.utils": ("torch.utils", {}),
               "tinygrad_edu.utils.data": ("torch.utils.data", {})}

# Areas outside the scope, each with what the engine offers instead.
_AREAS = [
    (r"(?i)conv|fold$|pad$|pixel_", "convolution is outside this engine (fully connected "
     "networks only): flatten images with nn.Flatten and use nn.Linear"),
    (r"(?i)pool", "pooling is outside this engine: reduce with amax/mean over dims, or flatten "
     "and use nn.Linear"),
    (r"(?i)^(rnn|lstm|gru)|rnn|lstm|gru", "recurrent layers are outside this engine: apply "
     "nn.Linear step by step in a loop of your own"),
    (r"(?i)attention|transformer", "attention is outside this engine: write it from matmul "
     "and softmax"),
    (r"(?i)scheduler", "learning-rate schedulers are outside this engine: set the rate in your "
     "loop, `for group in optimizer.param_groups: group['lr'] = new_lr`"),
    (r"^Variable$", "Variable is PyTorch's old wrapper, torch.autograd.Variable (there it "
     "works, as in PyTorch); a tensor made with requires_grad=True does its job"),
    (r"backward(_pre)?_hook$", "backward hooks of modules are outside this engine: keep the "
     "module's output, call out.retain_grad() before backward, and read out.grad after it (or "
     "register_forward_hook to see activations)"),
    (r"(?i)cuda|mps|xpu|half|bfloat16|float16|complex|sparse|quantiz|distributed|compile|jit",
     "GPUs, other number formats and compilation are outside this engine: it runs float32/"
     "float64/int64/int32/bool on NumPy on the CPU"),
]


def missing_attribute(module_name, name, namespace):
    """The NotInEngine error for `name` asked of a module, naming what it has nearby."""
    if name.startswith("_"):  # Python's and tools' own probes: no explanation
        owner = (f"'{module_name}' object" if module_name in ("Tensor", "nn.Module") else
                 f"module {module_name!r}")
        return AttributeError(f"{owner} has no attribute {name!r}")
    torch_name, groups = _NAMESPACES[module_name]
    present = sorted(n for n in namespace if not n.startswith("_"))
    near = difflib.get_close_matches(name, present, n=4, cutoff=0.6)
    near += [n for n in present if n.lower() == name.lower() and n not in near]
    nearby = f" Nearby here: {', '.join(near)}." if near else ""
    if name in scope_names(groups):
        return NotInEngine(
            f"{module_name} has no {name!r} yet: {torch_name}.{name} is in the engine's scope "
            f"(issue 15) but not written yet; see docs/pytorch-coverage.md.{nearby}")
    area = next((hint for pattern, hint in _AREAS if re.search(pattern, name)), None)
    reason = (area + "." if area else "it is outside the engine's scope (fully connected "
              "networks on the CPU; docs/pytorch-coverage.md lists what is covered).")
    return NotInEngine(f"{module_name} does not have {name!r}: {reason}{nearby}")


# --------------------------------------------------------------------------------------------
# Tensor: a placeholder on the class for each torch.Tensor name the engine lacks
# --------------------------------------------------------------------------------------------

class _NotInEngineAttribute:
    """Stands on the Tensor class for a torch.Tensor attribute the engine does not have:
    reading it raises NotInEngine, an AttributeError (so hasattr(t, name) stays False and
    getattr(t, name, default) gives the default), saying so and naming what is near.

    A class attribute found by the ordinary lookup, only for these names: a __getattr__ on
    Tensor would do the same for every name but slowed every attribute access of every op.
    """

    __slots__ = ("name", "present")

    def __init__(self, name, present):
        self.name, self.present = name, present

    def __get__(self, obj, owner=None):
        name, present = self.name, self.present
        raise NotInEngine(explain=lambda: str(missing_attribute("Tensor", name, present)))

    def __repr__(self):
        return f"<not in the engine: torch.Tensor.{self.name}>"


# Python's operators that torch.Tensor has and the engine does not, with PyTorch's function for
# each: without a method, x // 2 says "unsupported operand type(s) for //: 'Tensor' and 'int'",
# which blames the 2.
OPERATORS = {"floordiv": ("//", "floor_divide", " x.div(y, rounding_mode='floor') is x // y."),
             "mod": ("%", "remainder", " x - x.div(y, rounding_mode='floor') * y is x % y."),
             "xor": ("^", "bitwise_xor", ""), "lshift": ("<<", "bitwise_left_shift", ""),
             "rshift": (">>", "bitwise_right_shift", "")}


def _operator_placeholder(symbol, torch_name, instead, present):
    def operator(self, other):
        error = missing_attribute("Tensor", torch_name, present)
        raise NotInEngine(f"the {symbol} operator (torch.Tensor.{torch_name}): {error}{instead}")
    return operator


def install_tensor_placeholders(cls):
    """Put a _NotInEngineAttribute on `cls` (Tensor) for each of torch.Tensor's public names
    (torch_tensor_names.NAMES, recorded from PyTorch by tools/coverage.py) that neither it nor
    its bases define, and make dir() of a tensor leave them out; and a method for each of
    OPERATORS that says it is not in the engine.  Returns the names' list."""
    from .torch_tensor_names import NAMES
    present = [n for n in dir(cls) if not n.startswith("_")]
    missing = [n for n in NAMES if not hasattr(cls, n)]
    for name in missing:
        setattr(cls, name, _NotInEngineAttribute(name, present))
    for method, (symbol, torch_name, instead) in OPERATORS.items():
        placeholder = _operator_placeholder(symbol, torch_name, instead, present)
        setattr(cls, f"__{method}__", placeholder)   # x // 2
        setattr(cls, f"__r{method}__", placeholder)  # 2 // x
    placeholders = frozenset(missing)

    def __dir__(self):
        """The tensor's attributes, without the placeholders of what it does not have."""
        return [n for n in object.__dir__(self) if n not in placeholders]
    cls.__dir__ = __dir__
    return missing
