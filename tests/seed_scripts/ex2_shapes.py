# Exercise 2: a 3 -> 8 -> 4 -> 2 network; every weight is (out, in), every bias (out,).
import torch
import torch.nn as nn


class TwoHidden(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(3, 8)
        self.layer2 = nn.Linear(8, 4)
        self.layer3 = nn.Linear(4, 2)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.layer3(self.act(self.layer2(self.act(self.layer1(x)))))


model = TwoHidden()
print(model)
for name, param in model.named_parameters():
    print(f"{name}: {param.shape}")
out = model(torch.randn(5, 3))
print("output shape:", out.shape)
print("parameter count:", sum(p.numel() for p in model.parameters()))
sizes = [3, 8, 4, 2]
layers = [model.layer1, model.layer2, model.layer3]
print("every weight is (out, in):",
      all(tuple(layer.weight.shape) == (sizes[i + 1], sizes[i]) for i, layer in enumerate(layers)))
