# Exercise 1: the forward pass of a 2 -> 4 -> 1 network written as matrix products,
# checked against nn.Linear layers holding the same weights.
import torch
import torch.nn as nn
import numpy as np

torch.manual_seed(0)
np.random.seed(0)
X = torch.tensor(np.random.randn(10, 2), dtype=torch.float32)

layer1 = nn.Linear(2, 4)
layer2 = nn.Linear(4, 1)

# By hand: Z1 = X W1^T + b1, H1 = relu(Z1), Y = H1 W2^T + b2
Z1 = torch.matmul(X, layer1.weight.T) + layer1.bias
H1 = torch.relu(Z1)
Y_manual = torch.matmul(H1, layer2.weight.T) + layer2.bias

Y_layers = layer2(torch.relu(layer1(X)))
print("manual output shape:", Y_manual.shape)
print("layer output shape:", Y_layers.shape)
print("max difference below 1e-6:", (Y_manual - Y_layers).abs().max().item() < 1e-6)
print("same values:", torch.allclose(Y_manual, Y_layers))
