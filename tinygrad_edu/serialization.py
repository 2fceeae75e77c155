"""save / load: state dicts to a file and back, with no pickle anywhere.

    tinygrad_edu.save(model.state_dict(), "model.pt")
    model.load_state_dict(tinygrad_edu.load("model.pt"))

The file is a NumPy .npz archive (a zip of .npy arrays), written to exactly the path given:

    __structure__.npy    the object's shape as UTF-8 JSON (read it with
                         ``bytes(np.load(path)["__structure__"]).decode()``)
    tensor_0.npy, …      one array per tensor, in its own dtype

In the JSON every container names its type, so what comes back is what went in: lists stay
lists, tuples stay tuples, dict keys keep their type (an optimizer's ``state`` is keyed by
ints), OrderedDicts stay ordered. Plain JSON values are None, bools, ints, floats (nan and
±inf included) and strings; the tagged ones are

    {"list": [v, …]}   {"tuple": [v, …]}   {"dict": [[key, value], …], "ordered": true}
    {"tensor": "tensor_0", "requires_grad": true}   {"ndarray": "tensor_1"}
    {"tensor": "tensor_2", "requires_grad": true, "parameter": true}   (an nn.Parameter)

Why not pickle (as torch.save does): unpickling a file can run any code its author chose.
``load`` reads arrays with ``allow_pickle=False`` and JSON, so an untrusted file can at worst
be refused. A tensor that appears twice in the object is stored once and comes back as one
tensor.
"""

import collections
import io
import json
import os
import zipfile
import zlib

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor
from .tensor_methods import check_device

__all__ = ["save", "load"]


def _parameter_class():
    """nn.Parameter (nn is imported after this module, and builds on Tensor as it does)."""
    from .nn.module import Parameter
    return Parameter

FORMAT_NAME = "tinygrad_edu.save"
FORMAT_VERSION = 1
STRUCTURE_KEY = "__structure__"


# --------------------------------------------------------------------------------------------
# save
# --------------------------------------------------------------------------------------------

def save(obj, f):
    """Write obj (tensors, numbers, strings, None, and lists/tuples/dicts of them) to f.

    f is a path (str or os.PathLike; the file gets exactly that name, no '.npz' added) or a
    binary file object opened for writing.
    """
    arrays = {}
    root = _Encoder(arrays).encode(obj, "obj")
    header = json.dumps({"format": FORMAT_NAME, "version": FORMAT_VERSION, "root": root})
    members = {STRUCTURE_KEY: np.frombuffer(header.encode("utf-8"), dtype=np.uint8)}
    members.update(arrays)
    if hasattr(f, "write"):
        np.savez(f, **members)
        return
    try:
        path = os.fspath(f)
    except TypeError:
        raise TypeError(
            f"save: f must be a file path (str or pathlib.Path) or a binary file object, got "
            f"{type(f).__name__}") from None
    # Through an open file: np.savez would append '.npz' to a path that lacks it.
    with open(path, "wb") as handle:
        np.savez(handle, **members)


class _Encoder:
    """Turns an object into tagged JSON, collecting its tensors' arrays on the way."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.names = {}      # id(tensor or array) -> array name: shared tensors stored once
        self.keep_alive = []  # so no id is reused while saving
        self.open = set()    # ids of the containers being encoded: a cycle is refused

    def encode(self, value, where):
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, (int, float)):
            return int(value) if isinstance(value, int) else float(value)
        if isinstance(value, (np.bool_, np.integer, np.floating)):
            return value.item()  # a NumPy scalar comes back as the Python number
        if isinstance(value, Tensor):
            out = {"tensor": self._store(value, value._data, where)}
            if value.requires_grad:
                out["requires_grad"] = True
            if isinstance(value, _parameter_class()):
                out["parameter"] = True
            return out
        if isinstance(value, np.ndarray):
            return {"ndarray": self._store(value, value, where)}
        if isinstance(value, (list, tuple, dict)):
            if id(value) in self.open:
                raise ValueError(f"save: {where} contains itself; cannot store a cycle")
            self.open.add(id(value))
            try:
                return self._encode_container(value, where)
            finally:
                self.open.discard(id(value))
        raise TypeError(
            f"save: cannot store a {type(value).__name__} (at {where}); tinygrad_edu.save "
            f"stores tensors, NumPy arrays, numbers, strings, None, and lists, tuples and "
            f"dicts of them (to save a model, save model.state_dict())")

    def _encode_container(self, value, where):
        if isinstance(value, dict):
            pairs = []
            for key, item in value.items():
                if isinstance(key, (Tensor, np.ndarray)):
                    raise TypeError(
                        f"save: {where} has a {type(key).__name__} as a dict key; keys must be "
                        f"numbers, strings, None or tuples of them")
                pairs.append([self.encode(key, f"{where} (a key)"),
                              self.encode(item, f"{where}[{key!r}]")])
            out = {"dict": pairs}
            if isinstance(value, collections.OrderedDict):
                out["ordered"] = True
            return out
        items = [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]
        return {"tuple": items} if isinstance(value, tuple) else {"list": items}

    def _store(self, owner, array, where):
        name = self.names.get(id(owner))
        if name is None:
            if array.dtype.kind not in "biuf":
                raise TypeError(
                    f"save: the array at {where} has dtype {array.dtype}; only arrays of "
                    f"numbers and bools can be saved")
            name = f"tensor_{len(self.arrays)}"
            self.arrays[name] = array  # (np.ascontiguousarray would turn 0-d into 1-d)
            self.names[id(owner)] = name
            self.keep_alive.append(owner)
        return name


# --------------------------------------------------------------------------------------------
# load
# --------------------------------------------------------------------------------------------

class _Refused(Exception):
    """A reason the file cannot be loaded (turned into a ValueError naming the file)."""


def load(f, map_location=None, weights_only=None, mmap=None):
    """Read an object written by save(); tensors come back as Tensors in their saved dtype.

    f is a path or a binary file object. Nothing in the file is ever executed: a pickle, a
    torch.save file, a truncated or otherwise corrupt file raises ValueError naming the file
    and what is wrong with it. map_location may be None or 'cpu' (the only device);
    weights_only is accepted for PyTorch scripts and changes nothing (loading here is always
    weights-only safe).
    """
    check_device(map_location if not isinstance(map_location, dict) else None)
    if hasattr(f, "read"):
        label = repr(getattr(f, "name", f))
        data = f.read()
    else:
        try:
            path = os.fspath(f)
        except TypeError:
            raise TypeError(
                f"load: f must be a file path (str or pathlib.Path) or a binary file object, "
                f"got {type(f).__name__}") from None
        label = repr(path)
        with open(path, "rb") as handle:
            data = handle.read()
    try:
        return _load_bytes(data)
    except _Refused as reason:
        raise ValueError(f"tinygrad_edu.load: cannot load {label}: {reason}") from None


def _load_bytes(data):
    if not isinstance(data, bytes):
        raise _Refused("the file object did not give bytes (open it in binary mode, 'rb')")
    if not data:
        raise _Refused("the file is empty")
    if data.startswith(b"\x93NUMPY"):
        raise _Refused("it is a single NumPy .npy array, not a file written by "
                       "tinygrad_edu.save; read it with numpy.load")
    if not data.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if data[:1] == b"\x80":
            raise _Refused(
                "it is a Python pickle (from pickle.dump or an old-style torch.save), which "
                "tinygrad_edu never unpickles because unpickling can run arbitrary code; "
                "tinygrad_edu.load reads only files written by tinygrad_edu.save")
        raise _Refused("it is not a file written by tinygrad_edu.save (not a .npz archive: "
                       f"it starts with {data[:8]!r})")
    try:
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as e:
        raise _Refused(f"the file is corrupt or truncated (its zip archive is incomplete: "
                       f"{e})") from None
    if any(n.endswith("data.pkl") for n in names):
        raise _Refused(
            "it was written by torch.save (a zip holding a pickle), which tinygrad_edu never "
            "unpickles; in PyTorch, turn the tensors into NumPy arrays and save them with "
            "tinygrad_edu.save, or with numpy.savez and load them with numpy.load")
    if STRUCTURE_KEY + ".npy" not in names:
        shown = names[:5] + (["…"] if len(names) > 5 else [])
        raise _Refused(
            f"it is a zip/.npz archive without the {STRUCTURE_KEY!r} entry that "
            f"tinygrad_edu.save writes (its entries: {shown}); if it is a plain .npz, read it "
            f"with numpy.load")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            header = _read_header(archive)
            return _Decoder(archive).decode(header["root"], "obj")
    except _Refused:
        raise
    except RecursionError:
        raise _Refused("its structure is nested too deeply") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError) as e:
        raise _Refused(f"the file is corrupt or truncated, or holds data that cannot be read "
                       f"without unpickling ({type(e).__name__}: {e})") from None


def _read_header(archive):
    raw = archive[STRUCTURE_KEY]
    if raw.dtype != np.uint8 or raw.ndim != 1:
        raise _Refused(f"its {STRUCTURE_KEY!r} entry is not UTF-8 JSON bytes")
    try:
        header = json.loads(raw.tobytes().decode("utf-8"))
    except ValueError as e:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise _Refused(f"its {STRUCTURE_KEY!r} entry is not valid UTF-8 JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT_NAME or "root" not in header:
        raise _Refused(f"its {STRUCTURE_KEY!r} entry is not a tinygrad_edu.save header")
    if header.get("version") != FORMAT_VERSION:
        raise _Refused(f"it has format version {header.get('version')!r}; this tinygrad_edu "
                       f"reads version {FORMAT_VERSION}")
    return header


class _Decoder:
    """Tagged JSON → the object, with tensors read from the archive."""

    def __init__(self, archive):
        self.archive = archive
        self.names = set(archive.files)  # the member names without '.npy'
        self.loaded = {}  # array name -> Tensor or ndarray: a shared tensor stays shared

    def decode(self, node, where):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict):
            raise _Refused(f"unexpected {type(node).__name__} in its structure at {where}")
        if "list" in node:
            return [self.decode(v, f"{where}[{i}]")
                    for i, v in enumerate(self._items(node, "list", where))]
        if "tuple" in node:
            return tuple(self.decode(v, f"{where}[{i}]")
                         for i, v in enumerate(self._items(node, "tuple", where)))
        if "dict" in node:
            out = collections.OrderedDict() if node.get("ordered") else {}
            for pair in self._items(node, "dict", where):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise _Refused(f"a dict entry at {where} is not a [key, value] pair")
                key = self.decode(pair[0], f"{where} (a key)")
                try:
                    hash(key)
                except TypeError:
                    raise _Refused(f"a dict key at {where} is a {type(key).__name__}, which "
                                   f"cannot be a key") from None
                out[key] = self.decode(pair[1], f"{where}[{key!r}]")
            return out
        if "tensor" in node or "ndarray" in node:
            return self._array(node, where)
        raise _Refused(f"unknown entry {sorted(node)} in its structure at {where}")

    @staticmethod
    def _items(node, tag, where):
        items = node[tag]
        if not isinstance(items, list):
            raise _Refused(f"the {tag} at {where} is not a JSON list")
        return items

    def _array(self, node, where):
        is_tensor = "tensor" in node
        name = node["tensor"] if is_tensor else node["ndarray"]
        if not isinstance(name, str) or name not in self.names or name == STRUCTURE_KEY:
            raise _Refused(f"the array {name!r} named at {where} is missing from the archive")
        if name in self.loaded:
            return self.loaded[name]
        arr = self.archive[name]
        if not is_tensor:
            value = arr
        else:
            try:
                _dt.from_numpy_dtype(arr.dtype)
            except TypeError:
                raise _Refused(f"the tensor at {where} has dtype {arr.dtype}, which tinygrad_edu "
                               f"does not support") from None
            value = Tensor._wrap(arr)
            if node.get("requires_grad"):
                if arr.dtype.kind != "f":
                    raise _Refused(f"the tensor at {where} is marked requires_grad but has the "
                                   f"non-floating dtype {arr.dtype}")
                value.requires_grad_(True)
            if node.get("parameter"):
                value = _parameter_class()(value, requires_grad=value.requires_grad)
        self.loaded[name] = value
        return value
