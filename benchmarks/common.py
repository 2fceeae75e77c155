"""What every workload shares: data and initial weights, the two PyTorch-shaped libraries,
result comparison, memory and thread readings.

Every implementation of a workload starts from the same float32 arrays made here with seeded
NumPy generators, so the engine, PyTorch and hand-written NumPy train the same model on the
same data and their final losses can be compared.
"""

import ctypes
import importlib
import os
import resource
from dataclasses import dataclass
from types import ModuleType

import numpy as np

IMPLEMENTATIONS = ("engine", "torch", "numpy")  # the interleaving order of every round
LABELS = {"engine": "tinygrad_edu", "torch": "PyTorch", "numpy": "NumPy (by hand)"}


class Unavailable(Exception):
    """An implementation cannot run here (e.g. a subpackage it needs does not exist yet)."""


# ----- the libraries with PyTorch's API ---------------------------------------------------------

@dataclass
class Library:
    """A PyTorch-shaped library: `torch` itself or `tinygrad_edu` with its nn/optim/data."""

    name: str
    torch: ModuleType
    nn: ModuleType | None
    optim: ModuleType | None
    data: ModuleType | None
    missing: tuple  # subpackages that could not be imported

    def require(self, *parts):
        """Raise Unavailable naming the subpackages this code path needs but lacks."""
        lacking = [p for p in parts if p in self.missing]
        if lacking:
            raise Unavailable(f"{self.torch.__name__}.{', '.join(lacking)} not importable")


_LIBRARIES = {}


def load_library(name):
    """'engine' → tinygrad_edu, 'torch' → torch; with nn, optim and utils.data when present."""
    if name in _LIBRARIES:
        return _LIBRARIES[name]
    root = {"engine": "tinygrad_edu", "torch": "torch"}[name]
    top = importlib.import_module(root)
    parts, missing = {}, []
    # a subpackage counts only once it has what the workloads use (not a half-built folder)
    for part, module_name, needed in (("nn", "nn", "Module"), ("optim", "optim", "SGD"),
                                      ("data", "utils.data", "DataLoader")):
        try:
            module = importlib.import_module(f"{root}.{module_name}")
        except ImportError:
            module = None
        if module is None or not hasattr(module, needed):
            module = None
            missing.append(part)
        parts[part] = module
    library = Library(name, top, parts["nn"], parts["optim"], parts["data"], tuple(missing))
    _LIBRARIES[name] = library
    return library


# ----- data and initial weights ------------------------------------------------------------------

def seed_regression_data():
    """The seed's Example 1 data: X = randn(200, 2)·2, y = 0.5·x₀² + 1.5·x₁ + 2 + 0.5·noise.

    Drawn with NumPy's legacy seeded stream (seed 42, as the seed does), then float32.
    Returns X (200×2) and y (200×1).
    """
    rs = np.random.RandomState(42)
    X = rs.randn(200, 2) * 2
    y = 0.5 * X[:, 0] ** 2 + 1.5 * X[:, 1] + 2.0 + rs.randn(200) * 0.5
    return X.astype(np.float32), y.astype(np.float32).reshape(-1, 1)


def linear_init(rng, in_features, out_features):
    """PyTorch's default nn.Linear initialisation: W (out×in), b (out) ~ U(-1/√in, 1/√in)."""
    bound = 1.0 / np.sqrt(in_features)
    W = rng.uniform(-bound, bound, size=(out_features, in_features)).astype(np.float32)
    b = rng.uniform(-bound, bound, size=(out_features,)).astype(np.float32)
    return W, b


def mlp_init(sizes, seed):
    """[(W₁, b₁), (W₂, b₂), …] for layer sizes like [2, 10, 1], from one seeded generator."""
    rng = np.random.default_rng(seed)
    return [linear_init(rng, n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:])]


def load_linear_weights(library, linears, init):
    """Copy the shared initial weights into a library's nn.Linear layers (outside the graph)."""
    torch = library.torch
    with torch.no_grad():
        for layer, (W, b) in zip(linears, init):
            layer.weight.copy_(torch.from_numpy(W))
            layer.bias.copy_(torch.from_numpy(b))


# ----- comparing results -------------------------------------------------------------------------

def to_numpy(value):
    """A float, NumPy array, or tensor of either library → float64 NumPy array."""
    if hasattr(value, "detach"):
        value = value.detach().numpy()
    return np.asarray(value, dtype=np.float64)


def relative_difference(u, v):
    """max|u − v| / max(max|u|, max|v|): one scale-aware number for scalars and arrays."""
    u, v = to_numpy(u), to_numpy(v)
    scale = max(float(np.max(np.abs(u))), float(np.max(np.abs(v))), 1e-30)
    return float(np.max(np.abs(u - v))) / scale


def compare_outcomes(outcomes):
    """Pairwise relative differences of the implementations' outcomes (dicts of name → value).

    Returns {"engine~numpy": d, "engine~torch": d, "torch~numpy": d, "max": d}, each d the
    largest relative difference over the outcome's entries.
    """
    names = [n for n in IMPLEMENTATIONS if outcomes.get(n) is not None]
    result = {}
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            keys = outcomes[first].keys() & outcomes[second].keys()
            result[f"{first}~{second}"] = max(
                relative_difference(outcomes[first][k], outcomes[second][k]) for k in keys)
    result["max"] = max(result.values()) if result else None
    return result


# ----- memory and threads ------------------------------------------------------------------------

def current_rss_bytes():
    """This process's resident set size now (Linux /proc; falls back to the peak elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return peak_rss_bytes()


def peak_rss_bytes():
    """Peak resident set size of this process image so far.

    Linux: VmHWM from /proc/self/status.  Not getrusage's ru_maxrss there: Linux carries
    ru_maxrss across fork and exec, so a child started by a large parent reports at least
    the parent's size (measured: a 13 MiB child of a 430 MiB parent reported 427 MiB).
    Without /proc: ru_maxrss, read as KiB (as Linux and most BSDs count it).
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return ru_maxrss_bytes()


def ru_maxrss_bytes():
    """getrusage's ru_maxrss in bytes (it counts KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def blas_threads():
    """NumPy's BLAS library and its thread count, as the library runs by default.

    threadpoolctl when installed; otherwise ask a loaded OpenBLAS directly through ctypes.
    """
    info = {"env": {k: os.environ[k] for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                               "MKL_NUM_THREADS") if k in os.environ}}
    np.ones((2, 2)) @ np.ones((2, 2))  # make sure the BLAS is loaded
    try:
        from threadpoolctl import threadpool_info
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            info.update(library=pools[0].get("internal_api"), threads=pools[0].get("num_threads"),
                        source="threadpoolctl")
            return info
    except ImportError:
        pass
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["library"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # show_config's layout is not a stable API
        info["library"] = "unknown"
    info.update(threads=_openblas_threads_from_maps(), source="OpenBLAS via ctypes")
    return info


def _openblas_threads_from_maps():
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in paths:
        lib = ctypes.CDLL(path)
        for symbol in ("openblas_get_num_threads", "openblas_get_num_threads64_",
                       "scipy_openblas_get_num_threads64_", "scipy_openblas_get_num_threads"):
            fn = getattr(lib, symbol, None)
            if fn is not None:
                fn.restype = ctypes.c_int
                return int(fn())
    return None


# ----- what a workload hands the harness ---------------------------------------------------------

@dataclass
class Case:
    """One timed comparison.

    prepare[impl]() builds a fresh run (untimed: model, optimizer, copies of the initial
    weights) and returns run(); run() does the timed work and returns its outcome, a dict of
    name → value (final loss, gradients) compared across implementations.  A run makes
    calls_per_run calls of the measured thing, so the time per call is run time / calls_per_run.
    """

    key: str                 # "W1", "W4-matmul"
    group: str               # what --only selects: "W1" … "W4"
    title: str
    params: dict
    prepare: dict            # impl → callable returning run()
    repeats: int
    code_path: dict          # impl → how it is written, for the report
    calls_per_run: int = 1
    unit: str = "run"        # what one timed quantity is: a whole training "run" or one "call"
    tolerance: float = 1e-4  # relative agreement expected of the outcomes
    note: str = ""
