"""tinygrad_edu.save / load: exact round trips, no pickle, clear refusals, the road to PyTorch."""

import collections
import io
import math
import os
import pickle
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import optim
from tinygrad_edu.__main__ import SimpleNN

import seed_network



def assert_same(a, b, where="obj"):
    """Equal values of exactly the same types, all the way down (tensors: dtype and values)."""
    assert type(a) is type(b), f"{where}: {type(a).__name__} vs {type(b).__name__}"
    if isinstance(a, tg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert a.requires_grad == b.requires_grad, where
        np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy(), err_msg=where)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype, where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for (ka, va), kb in zip(a.items(), b):
            assert type(ka) is type(kb), f"{where}: key {ka!r}"
            assert_same(va, b[kb], f"{where}[{ka!r}]")
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b), where
    elif isinstance(a, float):
        assert a == b and math.copysign(1, a) == math.copysign(1, b), where
    else:
        assert a == b, where


def round_trip(obj, tmp_path, name="obj.pt"):
    path = tmp_path / name
    tg.save(obj, path)
    return tg.load(path)


# ----- round trips ---------------------------------------------------------------------------

def test_a_state_dict_round_trips_exactly_keeping_dtypes(tmp_path):
    state = collections.OrderedDict([
        ("layer1.weight", tg.randn(10, 2)),
        ("layer1.bias", tg.randn(10, dtype=tg.float64)),
        ("steps", tg.tensor([1, 2, 3])),
        ("ids", tg.tensor([4, 5], dtype=tg.int32)),
        ("mask", tg.tensor([True, False])),
        ("scalar", tg.tensor(2.5)),
        ("empty", tg.zeros(0, 3)),
    ])
    loaded = round_trip(state, tmp_path)
    assert_same(state, loaded)
    assert all(isinstance(v, tg.Tensor) for v in loaded.values())


@pytest.mark.parametrize("make", [
    lambda p: optim.Adam(p, lr=0.01, betas=(0.8, 0.99), amsgrad=True),
    lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
])
def test_an_optimizer_state_dict_round_trips_exactly(tmp_path, make):
    a, b = tg.randn(3, 2, requires_grad=True), tg.randn(2, requires_grad=True)
    opt = make([{"params": [a]}, {"params": [b], "lr": 0.5}])
    for _ in range(3):
        opt.zero_grad()
        ((a * a).sum() + (b ** 3).sum()).backward()
        opt.step()
    state = opt.state_dict()
    loaded = round_trip(state, tmp_path)
    assert_same(state, loaded)
    assert set(loaded["state"]) == {0, 1}  # int keys, not "0" and "1"
    if "betas" in loaded["param_groups"][0]:
        assert loaded["param_groups"][0]["betas"] == (0.8, 0.99)
    fresh = make([{"params": [a]}, {"params": [b], "lr": 0.5}])
    fresh.load_state_dict(loaded)
    assert_same(fresh.state_dict(), state)


def test_the_structure_keeps_every_type(tmp_path):
    obj = {
        10: None, 11: True, 12: False, -3: 7, "big": 2 ** 80, "f": 0.1, "neg0": -0.0,
        "inf": float("inf"), "-inf": float("-inf"), "nan": float("nan"), "s": "héllo ∂L/∂W",
        "empty": [], "empty_t": (), "empty_d": {}, (1, "a"): [(), [1, (2, 3)]],
        None: {"nested": {5: {6: (7.5, None)}}}, 2.5: "float key", False: "bool key",
        "np": np.arange(6, dtype=np.int32).reshape(2, 3), "np_scalar": np.float64(1.25),
    }
    loaded = round_trip(obj, tmp_path)
    expected = dict(obj)
    expected["np_scalar"] = 1.25  # NumPy scalars come back as Python numbers
    assert_same(expected, loaded)


def test_a_tensor_saved_twice_comes_back_as_one_tensor(tmp_path):
    w = tg.randn(3)
    loaded = round_trip({"a": w, "b": [w], "c": w.clone()}, tmp_path)
    assert loaded["a"] is loaded["b"][0]
    assert loaded["c"] is not loaded["a"]


def test_requires_grad_is_kept(tmp_path):
    loaded = round_trip([tg.randn(2, requires_grad=True), tg.randn(2)], tmp_path)
    assert loaded[0].requires_grad and loaded[0].is_leaf and not loaded[1].requires_grad


def test_a_parameter_comes_back_a_parameter_as_in_pytorch(tmp_path):
    """torch.save({'p': nn.Parameter(…)}) and load: a Parameter again (frozen or not), as
    PyTorch's load gives; a plain tensor stays plain."""
    frozen = tg.nn.Parameter(tg.tensor([3.0]), requires_grad=False)
    loaded = round_trip({"p": tg.nn.Parameter(tg.tensor([1.0, 2.0])), "frozen": frozen,
                         "plain": tg.tensor([1.0], requires_grad=True)}, tmp_path)
    torch.save({"p": torch.nn.Parameter(torch.tensor([1.0, 2.0])),
                "frozen": torch.nn.Parameter(torch.tensor([3.0]), requires_grad=False),
                "plain": torch.tensor([1.0], requires_grad=True)}, tmp_path / "theirs.pt")
    theirs = torch.load(tmp_path / "theirs.pt")
    for key in ("p", "frozen", "plain"):
        assert type(loaded[key]).__name__ == type(theirs[key]).__name__, key
        assert loaded[key].requires_grad == theirs[key].requires_grad, key
        assert loaded[key].tolist() == theirs[key].tolist(), key
    assert type(loaded["p"]) is tg.nn.Parameter and type(loaded["plain"]) is tg.Tensor


tensors = st.builds(
    lambda dtype, shape, seed: tg.from_numpy(np.asarray(
        np.random.default_rng(seed).standard_normal(shape) * 100).astype(dtype)),
    st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.bool_]),
    st.lists(st.integers(0, 3), max_size=3).map(tuple), st.integers(0, 2 ** 32 - 1))
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
keys = st.none() | st.booleans() | st.integers() | st.text() | st.tuples(st.integers(), st.text())
structures = st.recursive(
    scalars | tensors,
    lambda inner: (st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
                   | st.dictionaries(keys, inner, max_size=4)),
    max_leaves=12)


@given(structures)
def test_any_structure_round_trips_exactly(obj):
    buffer = io.BytesIO()
    tg.save(obj, buffer)
    buffer.seek(0)
    assert_same(obj, tg.load(buffer))


# ----- the file ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["model.pt", "model", "weights.tar", "model.npz"])
def test_the_file_has_exactly_the_name_given(tmp_path, name):
    tg.save({"w": tg.ones(2)}, str(tmp_path / name))
    assert sorted(os.listdir(tmp_path)) == [name]
    with np.load(tmp_path / name, allow_pickle=False) as archive:  # a plain .npz inside
        assert "__structure__" in archive.files
        assert bytes(archive["__structure__"]).decode().startswith("{")
    assert tg.load(str(tmp_path / name))["w"].tolist() == [1.0, 1.0]


def test_save_refuses_what_it_cannot_store(tmp_path):
    with pytest.raises(TypeError, match=r"cannot store a object \(at obj\['m'\]\[1\]\)"):
        tg.save({"m": [1, object()]}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match="dict key"):
        tg.save({tg.ones(1): 1}, tmp_path / "x.pt")
    with pytest.raises(TypeError, match=r"cannot store a Linear.*model\.state_dict\(\)"):
        tg.save(tg.nn.Linear(2, 1), tmp_path / "x.pt")
    loop = []
    loop.append(loop)
    with pytest.raises(ValueError, match="contains itself"):
        tg.save(loop, tmp_path / "x.pt")


# ----- refusing files it must not or cannot read ----------------------------------------------

class _Trap:
    """Unpickling this would create a file: the proof that load never unpickles."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_pickle_is_refused_without_running_it(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pt"
    with open(path, "wb") as f:
        pickle.dump(_Trap(str(marker)), f)
    with pytest.raises(ValueError, match=r"evil\.pt.*pickle"):
        tg.load(path)
    assert not marker.exists()


def test_a_torch_save_file_is_refused_clearly(tmp_path):
    new_style, old_style = tmp_path / "torch_new.pt", tmp_path / "torch_old.pt"
    torch.save({"w": torch.ones(2)}, new_style)
    torch.save({"w": torch.ones(2)}, old_style, _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match=r"torch_new\.pt.*torch\.save"):
        tg.load(new_style)
    with pytest.raises(ValueError, match=r"torch_old\.pt.*pickle"):
        tg.load(old_style)


def test_a_truncated_file_is_refused_at_every_cut(tmp_path):
    path = tmp_path / "model.pt"
    tg.save({"w": tg.randn(50, 20), "b": tg.randn(20), "meta": {1: (2, 3)}}, path)
    data = path.read_bytes()
    for fraction in (0.0, 0.05, 0.2, 0.5, 0.8, 0.95, 0.999):
        cut = tmp_path / f"cut_{fraction}.pt"
        cut.write_bytes(data[:int(len(data) * fraction)])
        with pytest.raises(ValueError, match=rf"cut_{fraction}\.pt.*(empty|corrupt or truncated)"):
            tg.load(cut)


def test_a_corrupted_byte_is_caught(tmp_path):
    path = tmp_path / "model.pt"
    tg.save({"w": tg.zeros(1000)}, path)
    data = bytearray(path.read_bytes())
    start = data.find(b"\x93NUMPY", data.find(b"tensor_0"))  # inside the array's data
    data[start + 300] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="corrupt"):
        tg.load(path)


def test_foreign_files_are_refused_clearly(tmp_path):
    plain_npz = tmp_path / "plain.npz"
    np.savez(plain_npz, a=np.ones(2))
    with pytest.raises(ValueError, match=r"plain\.npz.*without the '__structure__'"):
        tg.load(plain_npz)
    npy = tmp_path / "a.npy"
    np.save(npy, np.ones(2))
    with pytest.raises(ValueError, match="single NumPy .npy"):
        tg.load(npy)
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ValueError, match=r"notes\.txt.*not a file written by"):
        tg.load(text)


def _rewrite_structure(path, mutate):
    """Copy the archive at path with its JSON header changed by mutate."""
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    header = np.load(io.BytesIO(entries["__structure__.npy"]))
    text = mutate(bytes(header).decode())
    buf = io.BytesIO()
    np.save(buf, np.frombuffer(text.encode(), np.uint8))
    entries["__structure__.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)


@pytest.mark.parametrize("mutate, match", [
    (lambda s: s.replace('"tensor_0"', '"tensor_9"'), "missing from the archive"),
    (lambda s: s.replace('"dict"', '"set"'), "unknown entry"),
    (lambda s: s[:-5], "not valid UTF-8 JSON"),
    (lambda s: s.replace('"version": 1', '"version": 99'), "version 99"),
])
def test_a_tampered_structure_is_refused(tmp_path, mutate, match):
    path = tmp_path / "model.pt"
    tg.save({"w": tg.ones(2)}, path)
    _rewrite_structure(path, mutate)
    with pytest.raises(ValueError, match=match):
        tg.load(path)


def test_an_object_array_inside_is_never_unpickled(tmp_path):
    path = tmp_path / "model.pt"
    tg.save({"w": tg.ones(2)}, path)
    with zipfile.ZipFile(path) as z:
        entries = {n: z.read(n) for n in z.namelist()}
    buf = io.BytesIO()
    np.save(buf, np.array([{"x": 1}], dtype=object), allow_pickle=True)
    entries["tensor_0.npy"] = buf.getvalue()
    with zipfile.ZipFile(path, "w") as z:
        for n, data in entries.items():
            z.writestr(n, data)
    with pytest.raises(ValueError, match="without unpickling"):
        tg.load(path)


def test_missing_file_and_wrong_device(tmp_path):
    with pytest.raises(FileNotFoundError):
        tg.load(tmp_path / "nope.pt")
    tg.save([1], tmp_path / "x.pt")
    assert tg.load(tmp_path / "x.pt", map_location="cpu", weights_only=True) == [1]
    with pytest.raises(RuntimeError, match="cuda"):
        tg.load(tmp_path / "x.pt", map_location="cuda")


# ----- the road to PyTorch and back -----------------------------------------------------------

def our_forward(state, X):
    hidden = (X @ state["layer1.weight"].T + state["layer1.bias"]).relu()
    return hidden @ state["layer2.weight"].T + state["layer2.bias"]


def trained_state(steps=30):
    """A small model trained here, as a state dict with PyTorch's keys, shapes and layout."""
    rng = np.random.default_rng(0)
    X = tg.tensor((rng.standard_normal((64, 2)) * 2).astype(np.float32))
    y = (X[:, :1] ** 2) * 0.5 + X[:, 1:] * 1.5
    shapes = {"layer1.weight": (10, 2), "layer1.bias": (10,), "layer2.weight": (1, 10),
              "layer2.bias": (1,)}
    tg.manual_seed(0)
    params = {k: (tg.rand(*s) - 0.5).requires_grad_() for k, s in shapes.items()}
    opt = optim.SGD(params.values(), lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        ((our_forward(params, X) - y) ** 2).mean().backward()
        opt.step()
    return collections.OrderedDict((k, v.detach()) for k, v in params.items()), X


def test_weights_move_into_pytorch_and_back(tmp_path):
    state, X = trained_state()
    tg.save(state, tmp_path / "model.pt")
    loaded = tg.load(tmp_path / "model.pt")

    model = seed_network.SimpleNN()
    result = model.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in loaded.items()})
    assert not result.missing_keys and not result.unexpected_keys
    with torch.no_grad():
        theirs = model(torch.from_numpy(X.numpy())).numpy()
    np.testing.assert_allclose(our_forward(loaded, X).numpy(), theirs, rtol=1e-5, atol=1e-6)

    # ... and a PyTorch model's weights come here and compute the same function.
    torch.manual_seed(1)
    other = seed_network.SimpleNN()
    back = {k: tg.from_numpy(v.detach().numpy().copy()) for k, v in other.state_dict().items()}
    assert list(back) == list(state) and all(back[k].shape == state[k].shape for k in state)
    with torch.no_grad():
        expected = other(torch.from_numpy(X.numpy())).numpy()
    np.testing.assert_allclose(our_forward(back, X).numpy(), expected, rtol=1e-5, atol=1e-6)
    tg.save(back, tmp_path / "from_torch.pt")
    assert_same(tg.load(tmp_path / "from_torch.pt"), back)


# ----- with nn modules ------------------------------------------------------------------------

def test_a_model_and_its_optimizer_checkpoint_and_resume(tmp_path):
    X = tg.randn(32, 2)
    y = tg.randn(32, 1)
    model = SimpleNN()
    opt = optim.Adam(model.parameters(), lr=0.01)

    def train(model, opt, steps):
        losses = []
        for _ in range(steps):
            loss = tg.nn.functional.mse_loss(model(X), y)
            losses.append(loss.item())
            opt.zero_grad()
            loss.backward()
            opt.step()
        return losses

    train(model, opt, 10)
    tg.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 10},
            tmp_path / "checkpoint.pt")
    expected = train(model, opt, 10)

    checkpoint = tg.load(tmp_path / "checkpoint.pt")
    assert checkpoint["epoch"] == 10 and type(checkpoint["model"]) is collections.OrderedDict
    restored = SimpleNN()
    restored.load_state_dict(checkpoint["model"])
    restored_opt = optim.Adam(restored.parameters(), lr=0.01)
    restored_opt.load_state_dict(checkpoint["optimizer"])
    assert train(restored, restored_opt, 10) == expected


def test_an_nn_model_moves_into_the_same_pytorch_model_and_back(tmp_path):
    ours = SimpleNN()
    tg.save(ours.state_dict(), tmp_path / "model.pt")
    theirs = seed_network.SimpleNN()  # PyTorch's twin, given our weights through the file
    theirs.load_state_dict({k: torch.from_numpy(v.numpy())
                            for k, v in tg.load(tmp_path / "model.pt").items()})
    X = np.random.default_rng(0).standard_normal((16, 2)).astype(np.float32)
    with torch.no_grad():
        np.testing.assert_allclose(ours(tg.tensor(X)).detach().numpy(),
                                   theirs(torch.from_numpy(X)).numpy(), rtol=1e-5, atol=1e-6)

    with torch.no_grad():
        for p in theirs.parameters():
            p.mul_(-2.0)  # PyTorch changes the model; the new weights come back
    back = SimpleNN()
    back.load_state_dict({k: tg.from_numpy(v.detach().numpy().copy())
                          for k, v in theirs.state_dict().items()})
    with torch.no_grad():
        np.testing.assert_allclose(back(tg.tensor(X)).detach().numpy(),
                                   theirs(torch.from_numpy(X)).numpy(), rtol=1e-5, atol=1e-6)
