"""Datasets and the DataLoader that cuts them into mini-batches (PyTorch's torch.utils.data).

    dataset = TensorDataset(X, y)                 # sample i is (X[i], y[i])
    loader = DataLoader(dataset, batch_size=32, shuffle=True)
    for X_batch, y_batch in loader:               # X_batch is (32, d), y_batch is (32, 1)
        ...

How a batch is made, each step replaceable:

    sampler         the order of sample indices for one epoch (sequential or shuffled)
    batch_sampler   groups those indices into lists of batch_size
    fetch           dataset.__getitems__(indices) when the dataset has it (one index array per
                    tensor: TensorDataset does this), else [dataset[i] for i in indices]
    collate_fn      turns the list of samples into one batch (default_collate stacks tensors)

Shuffling draws from the library's random stream, so ``tinygrad_edu.manual_seed(0)`` (or a
``Generator`` passed as ``generator=``) makes the order of every epoch repeatable.
"""

import collections.abc
import itertools
import math
import numbers

import numpy as np

from ..functions import from_numpy, stack, tensor
from ..random import Generator, rng
from ..tensor import Tensor
from ..user_warnings import warn
from ..scope import missing_attribute as _missing_attribute

__all__ = [
    "Dataset", "TensorDataset", "Subset", "DataLoader", "Sampler", "SequentialSampler",
    "RandomSampler", "SubsetRandomSampler", "BatchSampler", "SampleBatch", "default_collate",
    "default_convert", "random_split",
]


# --------------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------------

class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__(i)`` and ``__len__()``.

    A subclass may also define ``__getitems__(indices)``, returning the samples at all those
    indices at once; the DataLoader then fetches each batch with one call.
    """

    def __getitem__(self, index):
        raise NotImplementedError(
            f"{type(self).__name__} must define __getitem__(index) returning one sample")

    def __len__(self):
        raise NotImplementedError(
            f"{type(self).__name__} must define __len__() returning the number of samples")


class SampleBatch(collections.abc.Sequence):
    """Samples fetched together, held as one batched tensor per field.

    It reads as a list of per-sample tuples (what PyTorch's ``__getitems__`` returns, and
    what a custom ``collate_fn`` expects); ``default_collate`` takes the batched tensors
    as they are, so nothing is split up and stacked again.
    """

    def __init__(self, fields):
        self.fields = tuple(fields)

    def __len__(self):
        return self.fields[0].shape[0]

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        return tuple(field[i] for field in self.fields)

    def __repr__(self):
        shapes = ", ".join(str(list(f.shape)) for f in self.fields)
        return f"SampleBatch({len(self)} samples; fields of shapes {shapes})"


class TensorDataset(Dataset):
    """Sample i is ``(t[i] for t in tensors)``: the rows of tensors with equal first dimension."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor, e.g. TensorDataset(X, y)")
        for i, t in enumerate(tensors):
            if not isinstance(t, Tensor):
                raise TypeError(
                    f"TensorDataset: argument {i} is a {type(t).__name__}, not a Tensor "
                    f"(convert it with tinygrad_edu.tensor(...) or from_numpy(...))")
            if t.ndim == 0:
                raise ValueError(
                    f"TensorDataset: tensor {i} is 0-d; every tensor needs a first dimension "
                    f"that indexes the samples")
        n = tensors[0].shape[0]
        for i, t in enumerate(tensors[1:], start=1):
            if t.shape[0] != n:
                raise ValueError(
                    f"TensorDataset: size mismatch between tensors: every tensor needs the same "
                    f"size in its first dimension (one row per sample), but tensor 0 has shape "
                    f"{list(tensors[0].shape)} and tensor {i} has shape {list(t.shape)}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __getitems__(self, indices):
        """The samples at ``indices``, taken with one index array per tensor (straight from
        the arrays when the tensor records nothing: data, the usual case, needs no graph)."""
        index_array = np.asarray(indices, dtype=np.int64)
        return SampleBatch([t[index_array] if t._requires_grad else _rows(t, index_array)
                            for t in self.tensors])

    def __len__(self):
        return self.tensors[0].shape[0]


def _rows(t, index_array):
    """t[index_array] for a tensor outside the graph, taken from its array directly."""
    try:
        return Tensor._wrap(t._data[index_array])
    except IndexError:
        return t[index_array]  # an index out of range: the Tensor's indexing explains it


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (what random_split returns)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return [self.dataset[self.indices[i]] for i in idx]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        outer = [self.indices[i] for i in indices]
        fetch = getattr(self.dataset, "__getitems__", None)
        if fetch is not None:
            return fetch(outer)
        return [self.dataset[i] for i in outer]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split a dataset into non-overlapping random Subsets of the given lengths.

    ``lengths`` are counts summing to len(dataset), or fractions summing to 1 (then each
    count is floor(n · fraction) and the remainder goes one by one to the first subsets).
    """
    _check_generator(generator, "random_split")
    n = len(dataset)
    lengths = list(lengths)
    fractions = all(isinstance(x, numbers.Real) and 0 <= x <= 1 for x in lengths)
    if lengths and fractions and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warn(f"random_split: length of split at index {i} is 0; this results in an "
                     f"empty dataset")
        lengths = counts
    for x in lengths:
        if isinstance(x, bool) or not isinstance(x, (int, np.integer)) or x < 0:
            raise ValueError(
                f"random_split: lengths must be non-negative ints summing to len(dataset), or "
                f"fractions summing to 1; got {lengths}")
    if sum(lengths) != n:
        raise ValueError(
            f"random_split: the lengths {lengths} sum to {sum(lengths)}, but the dataset has "
            f"{n} samples")
    order = rng(generator).permutation(n).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets


# --------------------------------------------------------------------------------------------
# Samplers: which indices, in which order
# --------------------------------------------------------------------------------------------

class Sampler:
    """Base of the samplers: ``iter(sampler)`` gives the indices of one epoch."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


def _check_generator(generator, who):
    """None or a tinygrad_edu.Generator; anything else fails now, not at the first epoch."""
    if generator is not None and not isinstance(generator, Generator):
        kind = type(generator)
        raise TypeError(
            f"{who}: generator must be a tinygrad_edu.Generator (e.g. "
            f"tinygrad_edu.Generator().manual_seed(0)), got {kind.__module__}.{kind.__qualname__}")


def _check_length(data_source, who):
    try:
        return len(data_source)
    except TypeError:
        raise TypeError(
            f"{who}: the dataset must support len() (a map-style Dataset such as "
            f"TensorDataset), got {type(data_source).__name__}") from None


class SequentialSampler(Sampler):
    """0, 1, …, n − 1 every epoch."""

    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(_check_length(self.data_source, "SequentialSampler")))

    def __len__(self):
        return _check_length(self.data_source, "SequentialSampler")


class RandomSampler(Sampler):
    """A fresh random order of the indices every epoch (drawn when the epoch starts).

    With ``replacement=True`` each of the num_samples indices is drawn uniformly on its own;
    without, the indices are a permutation (several back to back if num_samples > n).
    """

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a bool, got {replacement!r}")
        if num_samples is not None and (isinstance(num_samples, bool) or not isinstance(
                num_samples, (int, np.integer)) or num_samples <= 0):
            raise ValueError(
                f"RandomSampler: num_samples should be a positive integer value, but got "
                f"num_samples={num_samples!r}")
        _check_generator(generator, "RandomSampler")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator

    @property
    def num_samples(self):
        if self._num_samples is None:
            return _check_length(self.data_source, "RandomSampler")
        return int(self._num_samples)

    def __iter__(self):
        n = _check_length(self.data_source, "RandomSampler")
        draw = rng(self.generator)
        count = self.num_samples
        if self.replacement:
            order = draw.integers(0, n, size=count)
        else:
            rounds = [draw.permutation(n) for _ in range(-(-count // n) if n else 0)]
            order = np.concatenate(rounds)[:count] if rounds else np.zeros(0, np.int64)
        yield from order.tolist()

    def __len__(self):
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given indices, in a fresh random order every epoch."""

    def __init__(self, indices, generator=None):
        _check_generator(generator, "SubsetRandomSampler")
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in rng(self.generator).permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of batch_size (the last may be shorter)."""

    def __init__(self, sampler, batch_size, drop_last):
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
                or batch_size <= 0:
            raise ValueError(
                f"batch_size should be a positive integer value, but got "
                f"batch_size={batch_size!r}")
        if not isinstance(drop_last, bool):
            raise ValueError(
                f"drop_last should be a boolean value, but got drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self):
        indices = iter(self.sampler)
        while True:
            batch = list(itertools.islice(indices, self.batch_size))  # the next batch_size
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        n = len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)


# --------------------------------------------------------------------------------------------
# Collation: a list of samples → one batch
# --------------------------------------------------------------------------------------------

def default_collate(batch):
    """Stack a list of samples into a batch, by the type of the samples (PyTorch's rules).

    Tensors → one tensor with a new first dimension (stack); NumPy arrays likewise;
    Python floats → a float64 tensor, ints → an int64 tensor, bools → a bool tensor;
    strings stay as they came (the dataset's list, or the tuple of one field); dicts → a
    dict of batches per key; tuples or lists (e.g. the (x, y) pairs of a TensorDataset) → a
    list of batches, one per position.
    """
    if isinstance(batch, SampleBatch):
        return list(batch.fields)  # fetched as batched tensors already: nothing to stack
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: expected a list of samples, got "
                        f"{type(batch).__name__}")
    if len(batch) == 0:
        raise ValueError("default_collate: the batch is empty")
    elem = batch[0]
    if isinstance(elem, Tensor):
        return stack(list(batch))
    if isinstance(elem, np.ndarray):
        if elem.dtype.kind in "OSUV":
            raise TypeError(
                f"default_collate: batch must contain tensors, NumPy arrays of numbers, "
                f"numbers, dicts or lists; found a NumPy array of dtype {elem.dtype}")
        return stack([from_numpy(np.asarray(a)) for a in batch])
    if isinstance(elem, np.generic) and not isinstance(elem, (np.str_, np.bytes_)):
        return from_numpy(np.array(batch))
    if isinstance(elem, float):
        return tensor(batch, dtype="float64")
    if isinstance(elem, numbers.Number):  # int and bool: the dtype is inferred
        return tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([sample[key] for sample in batch]) for key in elem}
        try:
            return type(elem)(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple keeps its type
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        for i, sample in enumerate(batch):
            if len(sample) != size:
                raise RuntimeError(
                    f"default_collate: each element in list of batch should be of equal size; "
                    f"sample 0 has {size} fields, sample {i} has {len(sample)}")
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(
        f"default_collate: batch must contain tensors, NumPy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}")


def default_convert(sample):
    """Without batching (batch_size=None): NumPy arrays become tensors, and a tuple other
    than a namedtuple becomes a list, as in PyTorch; the rest stays."""
    if isinstance(sample, np.ndarray) and sample.dtype.kind not in "OSUV":
        return from_numpy(sample)
    if isinstance(sample, collections.abc.Mapping):
        return {key: default_convert(value) for key, value in sample.items()}
    if isinstance(sample, tuple) and hasattr(sample, "_fields"):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, (list, tuple)):
        return [default_convert(v) for v in sample]
    return sample


# --------------------------------------------------------------------------------------------
# DataLoader
# --------------------------------------------------------------------------------------------

class DataLoader:
    """Iterate over a dataset in mini-batches: ``for X_batch, y_batch in loader: …``.

    batch_size      samples per batch (None: no batching, one converted sample at a time)
    shuffle         a fresh random order every epoch (from ``generator``, else the library's
                    default stream, so ``manual_seed`` makes it repeatable)
    sampler         a custom order of indices (instead of shuffle)
    batch_sampler   yields whole lists of indices (instead of batch_size/shuffle/sampler/drop_last)
    drop_last       drop the last batch when it is smaller than batch_size
    collate_fn      list of samples → batch (default_collate stacks them)

    Everything runs in this process: ``num_workers`` and ``pin_memory`` are accepted so
    PyTorch scripts run unchanged, and change nothing.
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 generator=None):
        if not hasattr(dataset, "__getitem__"):
            raise TypeError(
                f"DataLoader: the dataset must support indexing dataset[i] (a Dataset such as "
                f"TensorDataset, or a list), got {type(dataset).__name__}")
        if isinstance(num_workers, bool) or not isinstance(num_workers, (int, np.integer)) \
                or num_workers < 0:
            raise ValueError(
                f"DataLoader: num_workers option should be a non-negative integer, got "
                f"{num_workers!r}")
        _check_generator(generator, "DataLoader")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually "
                "exclusive with drop_last")
        if sampler is not None and shuffle:
            raise ValueError(
                "DataLoader: sampler option is mutually exclusive with shuffle (a sampler "
                "decides the order itself)")
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.collate_fn = collate_fn
        self.generator = generator

    def __iter__(self):
        if self.batch_sampler is None:
            for index in self.sampler:
                yield self.collate_fn(self.dataset[index])
            return
        fetch_batch = getattr(self.dataset, "__getitems__", None)
        for indices in self.batch_sampler:
            if fetch_batch is not None:
                samples = fetch_batch(indices)  # the whole batch in one call
            else:
                samples = [self.dataset[i] for i in indices]
            yield self.collate_fn(samples)

    def __len__(self):
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)


def __getattr__(name):
    """A name torch.utils.data has and this engine lacks: NotInEngine (an AttributeError)."""
    raise _missing_attribute(__name__, name, globals())
