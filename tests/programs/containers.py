"""The containers: hidden layers in an nn.ModuleList, one output head per task in an
nn.ModuleDict, a learned scale per hidden layer in an nn.ParameterList and per-task output
offsets in an nn.ParameterDict, wrapped in nn.Sequential for the input stage.  Two tasks
(regression and classification) trained together by SGD; the summed loss every epoch, then
the number of parameters and the state_dict keys' count."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 250


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(700)
    x = rng.uniform(-1, 1, (200, 4))
    target = x @ np.array([[1.0], [-2.0], [0.5], [0.0]]) + 0.3
    classes = (x[:, 0] * x[:, 1] > 0).astype(np.int64) + (x[:, 2] > 0.5)
    X, T, C = as_tensor(torch, x), as_tensor(torch, target), as_tensor(torch, classes)

    class MultiTask(torch.nn.Module):
        def __init__(self, width=24, depth=3):
            super().__init__()
            self.stem = torch.nn.Sequential(torch.nn.Linear(4, width), torch.nn.SELU())
            self.layers = torch.nn.ModuleList(
                [torch.nn.Linear(width, width) for _ in range(depth)])
            self.scales = torch.nn.ParameterList(
                [torch.nn.Parameter(torch.ones(width)) for _ in range(depth)])
            self.heads = torch.nn.ModuleDict({
                "value": torch.nn.Linear(width, 1),
                "label": torch.nn.Linear(width, 3)})
            self.offsets = torch.nn.ParameterDict({
                "value": torch.nn.Parameter(torch.zeros(1)),
                "label": torch.nn.Parameter(torch.zeros(3))})

        def forward(self, x):
            h = self.stem(x)
            for layer, scale in zip(self.layers, self.scales):
                h = h + scale * torch.nn.functional.silu(layer(h))
            return {name: head(h) + self.offsets[name] for name, head in self.heads.items()}

    model = MultiTask()
    init_from_numpy(torch, model, seed=701)
    mse, ce = torch.nn.MSELoss(), torch.nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        out = model(X)
        loss = mse(out["value"], T) + ce(out["label"], C)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    count = sum(p.numel() for p in model.parameters())
    return losses + [count, len(model.state_dict())]
