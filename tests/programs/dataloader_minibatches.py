"""Minibatch training through torch.utils.data: a TensorDataset and a DataLoader with
batch_size=25 (the last batch smaller), shuffled by a sampler of our own that draws each
epoch's order from NumPy (shuffle=True would draw from each library's own random stream).
Wine-like tabular data: standardised features, three classes, SGD with weight decay.  The
per-sample mean loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 40


class NumpyShuffle:
    """A sampler: a fresh NumPy permutation of range(n) every epoch."""

    def __init__(self, n, seed):
        self.n, self.rng = n, np.random.default_rng(seed)

    def __iter__(self):
        return iter(self.rng.permutation(self.n).tolist())

    def __len__(self):
        return self.n


def main(torch, epochs=EPOCHS):
    DataLoader, TensorDataset = torch.utils.data.DataLoader, torch.utils.data.TensorDataset
    rng = np.random.default_rng(1000)
    labels = rng.integers(0, 3, 210)
    means = rng.normal(0, 2, (3, 7))
    x = means[labels] + rng.normal(0, 1.5, (210, 7))
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    dataset = TensorDataset(as_tensor(torch, x), as_tensor(torch, labels))
    loader = DataLoader(dataset, batch_size=25, sampler=NumpyShuffle(len(dataset), 1001))
    model = torch.nn.Sequential(
        torch.nn.Linear(7, 16), torch.nn.ReLU6(), torch.nn.Linear(16, 3))
    init_from_numpy(torch, model, seed=1002)
    criterion = torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, weight_decay=1e-3)
    losses = []
    for epoch in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(yb)
        losses.append(total / len(dataset))
    return losses
