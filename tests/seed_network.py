"""The seed's network in PyTorch, twin of the engine's one definition, and the weight copy.

The engine's network is the demo's `tinygrad_edu.__main__.SimpleNN` (2 → hidden → 1: Linear,
ReLU, Linear); tests import it from there.  Its PyTorch twin below has the same class name,
attribute names, sizes and printout, so that `str(model)` and state-dict keys compare equal.
"""

import torch


class SimpleNN(torch.nn.Module):
    """Z₁ = X W₁ᵀ + b₁,  H₁ = relu(Z₁),  Ŷ = H₁ W₂ᵀ + b₂, in PyTorch."""

    def __init__(self, input_size=2, hidden_size=10, output_size=1):
        super().__init__()
        self.layer1 = torch.nn.Linear(input_size, hidden_size)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))


def copy_to_torch(ours, theirs):
    """Give the PyTorch module `theirs` the values of our module `ours` (the same structure),
    through NumPy; returns `theirs`."""
    theirs.load_state_dict({name: torch.from_numpy(value.detach().numpy().copy())
                            for name, value in ours.state_dict().items()})
    return theirs


def torch_twin(ours):
    """A PyTorch SimpleNN holding exactly the weights of the engine's SimpleNN `ours`."""
    sizes = ours.layer1.weight.shape[1], ours.layer1.weight.shape[0], ours.layer2.weight.shape[0]
    return copy_to_torch(ours, SimpleNN(*sizes))
