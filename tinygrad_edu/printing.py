"""PyTorch-identical ``repr`` / ``str`` text for tensors.

PyTorch's formatter (``torch/_tensor_str.py``) is reproduced step by step on NumPy arrays, so
that ``tensor_repr(array)`` prints exactly what ``repr(torch.from_numpy(array))`` prints, with
``tinygrad_edu`` in place of ``torch``.  The steps:

1. Above ``threshold`` elements the tensor is *summarised*: only the first and last
   ``edgeitems`` entries of each dimension are shown, with ``...`` between.
2. A single formatter is chosen for the whole (summarised) tensor, from its nonzero finite
   values: *int mode* when they are all integral (``1.``), *scientific* when their magnitudes
   span more than a factor 1000, or exceed 1e8, or fall below 1e-4; otherwise fixed with
   ``precision`` decimals.  Every entry is right-aligned to the widest such value.
3. Entries are laid out as nested brackets, 1-d rows wrapped at ``linewidth``.
4. Suffixes follow: ``size=`` (empty tensors), ``dtype=`` (when not inferable from the
   values), then ``grad_fn=<...>`` or ``requires_grad=True``; each may go on a new line.

Only NumPy and the standard library are imported here.
"""

import dataclasses
import math

import numpy as np

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions", "printoptions",
           "format_scalar", "PRINT_OPTS"]

LIBRARY = "tinygrad_edu"


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrintOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Set printing options, as ``torch.set_printoptions``.

    precision: decimals for floats (default 4); threshold: element count above which the
    tensor is summarised (default 1000); edgeitems: entries kept at each end of a summarised
    dimension (default 3); linewidth: characters per line (default 80); profile: "default",
    "short" or "full" presets, overridden by the other arguments; sci_mode: True/False forces
    scientific notation on or off, None (the default) lets the formatter choose.

    As in PyTorch, ``sci_mode`` is always reset: leaving it out sets it back to None.
    """
    if profile is not None:
        presets = {
            "default": (4, 1000, 3, 80),
            "short": (2, 1000, 2, 80),
            "full": (4, math.inf, 3, 80),
        }
        if profile in presets:  # PyTorch silently ignores an unknown profile
            (PRINT_OPTS.precision, PRINT_OPTS.threshold,
             PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth) = presets[profile]
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions():
    """The current options as a dict, usable as ``set_printoptions(**options)``."""
    return dataclasses.asdict(PRINT_OPTS)


class printoptions:
    """Context manager: ``with printoptions(precision=2): ...`` restores the options after."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        self.saved = get_printoptions()
        set_printoptions(**self.kwargs)

    def __exit__(self, *exc):
        set_printoptions(**self.saved)
        return False


# ----------------------------------------------------------------------------- formatter

class _Formatter:
    """Chooses one format for every entry of a tensor, and the common column width."""

    def __init__(self, array):
        self.floating = array.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        precision = PRINT_OPTS.precision

        if not self.floating:
            # bool and integers print as Python does: True, False, -3
            for value in array.reshape(-1).tolist():
                self.max_width = max(self.max_width, len(str(value)))
            return

        flat = array.reshape(-1)
        nonzero_finite = flat[np.isfinite(flat) & (flat != 0)]
        if nonzero_finite.size == 0:
            return  # only zeros, inf and nan: int mode, width 1
        values = nonzero_finite.tolist()  # Python floats (exact, even for float32)

        # the spread of magnitudes is measured in float64
        magnitudes = np.abs(nonzero_finite).astype(np.float64)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())

        self.int_mode = bool(np.all(nonzero_finite == np.ceil(nonzero_finite)))
        if PRINT_OPTS.sci_mode is None:
            with np.errstate(over="ignore"):  # a ratio of inf still means "spans widely"
                ratio = np.float64(largest) / np.float64(smallest)
            self.sci_mode = bool(ratio > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = PRINT_OPTS.sci_mode

        # the width counts nonzero finite values only: zeros, inf and nan may stick out
        if self.sci_mode:
            widths = [len(f"{v:.{precision}e}") for v in values]
        elif self.int_mode:
            widths = [len(f"{v:.0f}") + 1 for v in values]  # + 1 for the trailing "."
        else:
            widths = [len(f"{v:.{precision}f}") for v in values]
        self.max_width = max(self.max_width, *widths)

    def format(self, value):
        """One entry (a Python scalar), right-aligned to the common width."""
        if self.floating:
            precision = PRINT_OPTS.precision
            if self.sci_mode:
                text = f"{value:{self.max_width}.{precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."  # marks a float: "1." (but "inf", "nan" stay bare)
            else:
                text = f"{value:.{precision}f}"
        else:
            text = str(value)
        return text.rjust(self.max_width)


# ----------------------------------------------------------------------------- layout

def _summarized_data(array):
    """The entries a summarised tensor shows: the edges of each dimension, for the formatter."""
    edge = PRINT_OPTS.edgeitems
    if array.ndim == 0:
        return array
    if array.ndim == 1:
        if array.shape[0] > 2 * edge:
            # note: with edgeitems=0, array[-0:] is the whole array (as in PyTorch)
            return np.concatenate((array[:edge], array[-edge:]))
        return array
    if not edge:
        return np.empty((0,) * array.ndim, array.dtype)
    if array.shape[0] > 2 * edge:
        rows = list(range(edge)) + list(range(len(array) - edge, len(array)))
    else:
        rows = range(len(array))
    return np.stack([_summarized_data(array[i]) for i in rows])


def _vector_str(array, indent, summarize, formatter):
    """A 1-d row: "[a, b, c]", wrapped into lines that fit linewidth - indent."""
    edge = PRINT_OPTS.edgeitems
    element_length = formatter.max_width + 2  # the entry plus ", "
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))

    if summarize and not edge:
        data = ["..."]
    elif summarize and array.shape[0] > 2 * edge:
        data = ([formatter.format(v) for v in array[:edge].tolist()] + [" ..."]
                + [formatter.format(v) for v in array[-edge:].tolist()])
    else:
        data = [formatter.format(v) for v in array.tolist()]

    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(array, indent, summarize, formatter):
    """Brackets within brackets; sub-tensors of a k-d tensor are separated by k-1 blank lines."""
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector_str(array, indent, summarize, formatter)

    edge = PRINT_OPTS.edgeitems
    if summarize and array.shape[0] > 2 * edge:
        slices = ([_nested_str(array[i], indent + 1, summarize, formatter)
                   for i in range(edge)]
                  + ["..."]
                  + [_nested_str(array[i], indent + 1, summarize, formatter)
                     for i in range(len(array) - edge, len(array))])
    else:
        slices = [_nested_str(array[i], indent + 1, summarize, formatter)
                  for i in range(array.shape[0])]
    separator = "," + "\n" * (array.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(slices) + "]"


def _tensor_str(array, indent):
    """The bracketed contents of a tensor (without "tensor(" and suffixes)."""
    if array.size == 0:
        return "[]"
    summarize = array.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized_data(array) if summarize else array)
    return _nested_str(array, indent, summarize, formatter)


def _add_suffixes(text, suffixes, indent):
    """Append ", suffix" items, starting a new line when one would pass linewidth."""
    parts = [text]
    # PyTorch's own measure of the last line (it counts 2 more than the characters shown)
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        # measure as PyTorch measures its own text, so that lines break at the same places:
        # "dtype=tinygrad_edu.int32" counts as long as "dtype=torch.int32"
        suffix_len = len(suffix.replace(LIBRARY + ".", "torch."))
        if last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
        else:
            parts.append(", " + suffix)
            last_line_len += suffix_len + 2
    parts.append(")")
    return "".join(parts)


def _dtype_name(np_dtype):
    return f"{LIBRARY}.{np.dtype(np_dtype).name}"  # float32, float64, int64, int32, bool


# ----------------------------------------------------------------------------- public API

def tensor_repr(array, requires_grad=False, grad_fn_name=None):
    """PyTorch's ``repr(tensor)`` for the values in ``array``.

    >>> tensor_repr(np.array([2., 4.], np.float32), grad_fn_name="MulBackward0")
    'tensor([2., 4.], grad_fn=<MulBackward0>)'

    ``dtype=`` is shown when it cannot be told from the printed values: always for float64
    and int32; for an empty tensor, for every dtype but float32.  ``grad_fn=<name>`` is shown
    when given, otherwise ``requires_grad=True`` when requires_grad is set.
    """
    array = np.asarray(array)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    default_dtype = np.dtype(np.float32)

    if array.size == 0:
        # an empty tensor shows its shape (unless 1-d) and any dtype but the default
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if array.dtype != default_dtype:
            suffixes.append(f"dtype={_dtype_name(array.dtype)}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        # int64 and bool are what Python ints and bools give, float32 is the default float
        if array.dtype not in (default_dtype, np.dtype(np.int64), np.dtype(np.bool_)):
            suffixes.append(f"dtype={_dtype_name(array.dtype)}")
        body = _tensor_str(array, indent)

    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")

    return _add_suffixes(prefix + body, suffixes, indent)


def format_scalar(value, dtype):
    """One value as a 0-d tensor of ``dtype`` shows it: format_scalar(3.5, np.float32) -> '3.5000'.

    ``dtype`` is a NumPy dtype or anything with an ``np_dtype`` attribute (our dtypes).
    """
    dtype = getattr(dtype, "np_dtype", dtype)
    array = np.asarray(value, dtype=dtype).reshape(())
    return _tensor_str(array, indent=0)
