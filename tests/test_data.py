"""tinygrad_edu.utils.data: datasets, samplers and the DataLoader, checked against PyTorch's."""

import collections
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.utils.data as torch_data

import tinygrad_edu as tg
from tinygrad_edu.utils.data import (BatchSampler, DataLoader, Dataset, RandomSampler,
                                     SampleBatch, SequentialSampler, Subset,
                                     SubsetRandomSampler, TensorDataset, default_collate,
                                     random_split)



def index_dataset(n):
    """Sample i is (i as a float row, i as a label): batches show which indices they hold."""
    return TensorDataset(tg.arange(n).float().reshape(n, 1), tg.arange(n))


def epoch_indices(loader):
    return [int(i) for _, labels in loader for i in labels.tolist()]


# ----- TensorDataset --------------------------------------------------------------------------

def test_tensor_dataset_indexes_rows_of_every_tensor():
    X = tg.randn(5, 3)
    y = tg.arange(5)
    ds = TensorDataset(X, y)
    assert len(ds) == 5
    x2, y2 = ds[2]
    np.testing.assert_array_equal(x2.numpy(), X.numpy()[2])
    assert y2.item() == 2


def test_tensor_dataset_refuses_different_first_dimensions():
    with pytest.raises(ValueError, match=r"first dimension.*\[200, 2\].*tensor 1.*\[100, 1\]"):
        TensorDataset(tg.zeros(200, 2), tg.zeros(100, 1))
    with pytest.raises(TypeError, match="argument 1 is a ndarray"):
        TensorDataset(tg.zeros(3), np.zeros(3))
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(tg.tensor(1.0))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


def test_getitems_fetches_a_whole_batch_with_one_index_array():
    X, y = tg.randn(6, 2), tg.randn(6, 1)
    batch = TensorDataset(X, y).__getitems__([4, 0, 5])
    assert isinstance(batch, SampleBatch) and len(batch) == 3
    np.testing.assert_array_equal(batch.fields[0].numpy(), X.numpy()[[4, 0, 5]])
    np.testing.assert_array_equal(batch.fields[1].numpy(), y.numpy()[[4, 0, 5]])
    first = batch[0]  # it also reads as a list of per-sample tuples
    np.testing.assert_array_equal(first[0].numpy(), X.numpy()[4])
    assert len(batch[1:]) == 2


# ----- DataLoader batches ---------------------------------------------------------------------

@pytest.mark.parametrize("n, batch_size, drop_last", [
    (10, 3, False), (10, 3, True), (10, 5, False), (10, 5, True), (10, 1, False),
    (4, 10, False), (4, 10, True), (200, 32, False), (200, 32, True),
])
def test_batch_sizes_and_len_match_pytorch(n, batch_size, drop_last):
    loader = DataLoader(index_dataset(n), batch_size=batch_size, drop_last=drop_last)
    torch_loader = torch_data.DataLoader(
        torch_data.TensorDataset(torch.arange(n).float().reshape(n, 1), torch.arange(n)),
        batch_size=batch_size, drop_last=drop_last)
    ours = [tuple(x.shape) for x, _ in loader]
    theirs = [tuple(x.shape) for x, _ in torch_loader]
    assert ours == theirs
    assert len(loader) == len(torch_loader) == len(ours)


def test_sequential_batches_hold_the_rows_in_order_with_their_dtypes():
    X = tg.randn(7, 3)
    y = tg.arange(7)
    batches = list(DataLoader(TensorDataset(X, y), batch_size=3))
    assert [type(b) for b in batches] == [list] * 3  # PyTorch gives a list per batch
    np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in batches]), X.numpy())
    assert [b[1].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    assert batches[0][0].dtype == tg.float32 and batches[0][1].dtype == tg.int64


def test_shuffling_covers_every_index_once_per_epoch_in_a_new_order():
    n = 50
    loader = DataLoader(index_dataset(n), batch_size=8, shuffle=True)
    epochs = [epoch_indices(loader) for _ in range(3)]
    for order in epochs:
        assert sorted(order) == list(range(n))
    assert epochs[0] != list(range(n))
    assert epochs[0] != epochs[1] != epochs[2]


def test_shuffling_is_reproducible_under_manual_seed():
    loader = DataLoader(index_dataset(40), batch_size=7, shuffle=True)
    tg.manual_seed(0)
    first = [epoch_indices(loader) for _ in range(2)]
    tg.manual_seed(0)
    again = [epoch_indices(loader) for _ in range(2)]
    tg.manual_seed(1)
    other = epoch_indices(loader)
    assert first == again
    assert other != first[0]


def test_shuffling_with_a_given_generator_is_reproducible_and_leaves_the_default_alone():
    def orders(seed):
        g = tg.Generator().manual_seed(seed)
        loader = DataLoader(index_dataset(30), batch_size=4, shuffle=True, generator=g)
        return [epoch_indices(loader) for _ in range(2)]

    state = tg.default_generator.get_state()
    assert orders(5) == orders(5)
    assert orders(5) != orders(6)
    assert tg.default_generator.get_state() == state


def test_a_dataset_with_getitems_is_fetched_once_per_batch():
    class Counting(TensorDataset):
        calls = collections.Counter()

        def __getitem__(self, index):
            self.calls["getitem"] += 1
            return super().__getitem__(index)

        def __getitems__(self, indices):
            self.calls["getitems"] += 1
            return super().__getitems__(indices)

    ds = Counting(tg.randn(100, 2), tg.randn(100, 1))
    loader = DataLoader(ds, batch_size=16, shuffle=True)
    seen = sum(x.shape[0] for x, _ in loader)
    assert seen == 100
    assert ds.calls == {"getitems": len(loader)}  # no sample-by-sample fetching


def test_a_dataset_without_getitems_is_fetched_sample_by_sample():
    class Squares(Dataset):
        def __init__(self):
            self.calls = 0

        def __len__(self):
            return 5

        def __getitem__(self, i):
            self.calls += 1
            return tg.tensor([float(i), float(i * i)]), i

    ds = Squares()
    batches = list(DataLoader(ds, batch_size=2))
    assert ds.calls == 5
    assert [b[0].shape for b in batches] == [(2, 2), (2, 2), (1, 2)]
    assert batches[1][1].tolist() == [2, 3] and batches[1][1].dtype == tg.int64
    np.testing.assert_array_equal(batches[1][0].numpy(), [[2, 4], [3, 9]])


def test_default_collate_follows_pytorchs_rules():
    samples = [
        {"x": np.array([1.0, 2.0], np.float32), "n": 3, "f": 0.5, "flag": True, "name": "a",
         "pair": (1, 2.5)},
        {"x": np.array([3.0, 4.0], np.float32), "n": 4, "f": 1.5, "flag": False, "name": "b",
         "pair": (3, 4.5)},
    ]
    ours = default_collate(samples)
    theirs = torch_data.default_collate(samples)
    assert set(ours) == set(theirs)
    for key in ("x", "n", "f", "flag"):
        assert isinstance(ours[key], tg.Tensor), key
        assert ours[key].dtype.name == str(theirs[key].dtype).replace("torch.", ""), key
        np.testing.assert_array_equal(ours[key].numpy(), theirs[key].numpy())
    assert ours["name"] == theirs["name"] == ["a", "b"]
    assert type(ours["pair"]) is type(theirs["pair"]) is list
    for a, b in zip(ours["pair"], theirs["pair"]):
        assert a.dtype.name == str(b.dtype).replace("torch.", "")
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_the_containers_of_a_batch_are_pytorchs():
    """Strings stay as they came (a field's tuple, a dataset's list), tuples become lists;
    without batching a tuple sample becomes a list: the types PyTorch gives, so code that
    appends to a batch or compares it with a list behaves the same."""
    def batches(lib):
        X = lib.arange(6.0).reshape(3, 2)
        D = lib.utils.data
        found = []
        for dataset, batch_size in (([("a", 1), ("b", 2)], 2), (["a", "b", "c"], 2),
                                    (D.TensorDataset(X, lib.tensor([0, 1, 0])), 2),
                                    (D.TensorDataset(X), None), ([(X[0], "a")], None),
                                    ([[1, "a"]], None), ([{"k": (1, "z")}], None)):
            batch = next(iter(D.DataLoader(dataset, batch_size=batch_size)))
            found.append(_shape_of(batch))
        return found
    ours, theirs = batches(tg), batches(torch)
    assert ours == theirs and len(ours) == 7
    assert ours[0] == ["list", ["tuple", "'a'", "'b'"], "Tensor"]


def _shape_of(value):
    """The nesting of containers and leaves, by type name (a tensor's values left out)."""
    if isinstance(value, (tg.Tensor, torch.Tensor)):
        return "Tensor"
    if isinstance(value, dict):
        return ["dict"] + [(key, _shape_of(v)) for key, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__] + [_shape_of(v) for v in value]
    return repr(value)


def test_default_collate_errors_are_clear():
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (3,)])
    with pytest.raises(TypeError, match="found object"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match=r"stack.*\[2\].*\[3\]"):
        default_collate([tg.zeros(2), tg.zeros(3)])


def test_collate_fn_sees_samples_even_on_the_fast_path():
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return [s[1].item() for s in samples]

    loader = DataLoader(index_dataset(5), batch_size=2, collate_fn=collate)
    assert list(loader) == [[0, 1], [2, 3], [4]]
    assert seen == [2, 2, 1]


def test_batch_size_none_yields_single_converted_samples():
    rows = [np.array([1.0, 2.0]), np.array([3.0, 4.0])]
    items = list(DataLoader(rows, batch_size=None))
    assert len(items) == 2 and all(isinstance(t, tg.Tensor) for t in items)
    assert items[1].tolist() == [3.0, 4.0] and items[1].dtype == tg.float64


def test_a_plain_list_works_as_a_dataset():
    assert [b.tolist() for b in DataLoader([1.5, 2.5, 3.5], batch_size=2)] == [[1.5, 2.5],
                                                                                [3.5]]


def test_dataloader_refuses_conflicting_options():
    ds = index_dataset(4)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, sampler=SequentialSampler(ds), shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler"):
        DataLoader(ds, batch_size=2, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False))
    with pytest.raises(ValueError, match="drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="indexing"):
        DataLoader(iter(range(3)))
    with pytest.raises(TypeError, match="tinygrad_edu.Generator.*numpy.random"):
        DataLoader(ds, shuffle=True, generator=np.random.default_rng(0))


# ----- samplers -------------------------------------------------------------------------------

@pytest.mark.parametrize("n, size, drop_last", [(10, 3, False), (10, 3, True), (9, 3, True),
                                                (2, 5, False), (0, 3, False)])
def test_batch_sampler_matches_pytorch(n, size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), size, drop_last)
    theirs = torch_data.BatchSampler(torch_data.SequentialSampler(range(n)), size, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)


def test_batch_sampler_refuses_bad_arguments():
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), -1, False)
    with pytest.raises(ValueError, match="drop_last"):
        BatchSampler(range(3), 2, 1)


def test_random_sampler_with_and_without_replacement():
    data = range(10)
    tg.manual_seed(3)
    order = list(RandomSampler(data))
    assert sorted(order) == list(range(10)) and len(RandomSampler(data)) == 10
    longer = list(RandomSampler(data, num_samples=25))
    assert len(longer) == 25
    for start in (0, 10):
        assert sorted(longer[start:start + 10]) == list(range(10))  # whole permutations first
    drawn = list(RandomSampler(data, replacement=True, num_samples=200))
    assert len(drawn) == 200 and set(drawn) <= set(range(10))
    assert len(set(drawn)) > 5
    with pytest.raises(ValueError, match="num_samples"):
        RandomSampler(data, num_samples=0)


def test_subset_random_sampler_shuffles_only_its_indices():
    indices = [3, 7, 11, 20]
    g = tg.Generator().manual_seed(0)
    orders = [list(SubsetRandomSampler(indices, generator=g)) for _ in range(5)]
    assert all(sorted(o) == indices for o in orders)
    assert len({tuple(o) for o in orders}) > 1


def test_a_given_sampler_decides_the_order():
    loader = DataLoader(index_dataset(10), batch_size=3, sampler=[9, 8, 7, 6, 5])
    assert epoch_indices(loader) == [9, 8, 7, 6, 5] and len(loader) == 2


# ----- random_split ---------------------------------------------------------------------------

@pytest.mark.parametrize("lengths", [[7, 3], [0.7, 0.3], [0.5, 0.25, 0.25], [0.33, 0.33, 0.34]])
def test_random_split_sizes_match_pytorch_and_cover_everything_once(lengths):
    n = 10
    parts = random_split(index_dataset(n), lengths, generator=tg.Generator().manual_seed(0))
    their_parts = torch_data.random_split(range(n), lengths,
                                          generator=torch.Generator().manual_seed(0))
    assert [len(p) for p in parts] == [len(p) for p in their_parts]
    assert all(isinstance(p, Subset) for p in parts)
    seen = sorted(int(p[i][1]) for p in parts for i in range(len(p)))
    assert seen == list(range(n))


def test_random_split_refuses_lengths_that_do_not_add_up():
    with pytest.raises(ValueError, match="sum to 9.*10 samples"):
        random_split(index_dataset(10), [5, 4])


def test_subset_keeps_the_fast_path():
    parts = random_split(index_dataset(20), [12, 8], generator=tg.Generator().manual_seed(1))
    labels = epoch_indices(DataLoader(parts[0], batch_size=5))
    assert labels == [int(parts[0][i][1]) for i in range(12)]


# ----- training with mini-batches, against PyTorch --------------------------------------------

def test_minibatch_training_matches_pytorch_batch_by_batch():
    rng = np.random.default_rng(42)
    X = (rng.standard_normal((200, 2)) * 2).astype(np.float32)
    y = (0.5 * X[:, :1] ** 2 + 1.5 * X[:, 1:] + 2.0).astype(np.float32)
    W1 = rng.uniform(-0.7, 0.7, (10, 2)).astype(np.float32)
    W2 = rng.uniform(-0.3, 0.3, (1, 10)).astype(np.float32)

    def run(lib, data):
        w1 = lib.tensor(W1, requires_grad=True)
        w2 = lib.tensor(W2, requires_grad=True)
        opt = lib.optim.SGD([w1, w2], lr=0.01)
        loader = data.DataLoader(data.TensorDataset(lib.tensor(X), lib.tensor(y)),
                                 batch_size=32)
        losses = []
        for _ in range(5):
            for xb, yb in loader:
                loss = (((xb @ w1.T).relu() @ w2.T - yb) ** 2).mean()
                losses.append(loss.item())
                opt.zero_grad()
                loss.backward()
                opt.step()
        return losses

    ours, theirs = run(tg, tg.utils.data), run(torch, torch_data)
    assert len(ours) == len(theirs) == 5 * 7
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)


# ----- import --------------------------------------------------------------------------------

def test_reachable_after_a_plain_import_without_heavy_modules():
    code = ("import sys, tinygrad_edu; tinygrad_edu.utils.data.DataLoader; "
            "tinygrad_edu.optim.SGD; tinygrad_edu.save; "
            "print(sorted(m for m in ('torch', 'matplotlib', 'hypothesis', 'sympy') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
