"""Fine-tuning: a body trained on one task is frozen (requires_grad_(False)) and a new head is
trained on a second task, the optimizer given only the parameters that still require grad.
Input standardisation lives in the model as registered buffers (saved in its state_dict, not
trained); the new head is initialised by Module.apply with the deterministic nn.init.constant_
and nn.init.zeros_, then perturbed from NumPy; evaluation under torch.inference_mode().  The first
task's losses, then the second's, then the held-out loss of the second task."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 200


def main(torch, epochs=EPOCHS):
    nn = torch.nn
    rng = np.random.default_rng(1600)
    x = rng.normal(5.0, 3.0, (300, 4))
    first = np.sin(x[:, :2] / 3).sum(axis=1, keepdims=True)
    second = (np.cos(x[:, 2:] / 3).sum(axis=1) > 0.6).astype(np.int64)
    X = as_tensor(torch, x)

    class Body(nn.Module):
        def __init__(self):
            super().__init__()
            self.register_buffer("mean", as_tensor(torch, x.mean(axis=0)))
            self.register_buffer("std", as_tensor(torch, x.std(axis=0)))
            self.layers = nn.Sequential(nn.Linear(4, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh())

        def forward(self, inputs):
            return self.layers((inputs - self.mean) / self.std)

    body = Body()
    init_from_numpy(torch, body, seed=1601)
    first_head = nn.Linear(32, 1)
    init_from_numpy(torch, first_head, seed=1602)
    model = nn.Sequential(body, first_head)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs // 2):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), as_tensor(torch, first))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())

    optimizer.zero_grad()   # the body's last gradients go (set to None)
    body.requires_grad_(False)

    def init_head(module):
        if isinstance(module, nn.Linear):
            nn.init.constant_(module.weight, 0.05)
            nn.init.zeros_(module.bias)

    new_head = nn.Sequential(nn.Linear(32, 16), nn.ReLU(), nn.Linear(16, 2))
    new_head.apply(init_head)
    with torch.no_grad():   # break the symmetry of the constant init, from NumPy
        new_head[0].weight += as_tensor(torch, rng.normal(0, 0.2, (16, 32)))
    model = nn.Sequential(body, new_head)
    trainable = [p for p in model.parameters() if p.requires_grad]
    assert len(trainable) == 4 and "body.mean" not in dict(model.named_parameters())
    optimizer = torch.optim.SGD(trainable, lr=0.1, momentum=0.9)
    train, test = slice(0, 240), slice(240, 300)
    Y = as_tensor(torch, second)
    frozen = body.layers[0].weight.clone()
    for epoch in range(epochs - epochs // 2):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(X[train]), Y[train])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert torch.equal(frozen, body.layers[0].weight), "the frozen body moved"
    assert body.layers[0].weight.grad is None, "a frozen parameter received a gradient"
    assert sorted(k for k in body.state_dict() if "layers" not in k) == ["mean", "std"]
    model.eval()
    with torch.inference_mode():
        held_out = nn.functional.cross_entropy(model(X[test]), Y[test]).item()
    return losses + [held_out]
