# Exercise 3: the seed's network with a scaled tanh, 2 * tanh(x), between the layers.
import torch
import torch.nn as nn
import numpy as np
import matplotlib.pyplot as plt

torch.manual_seed(42)
np.random.seed(42)
features = np.random.randn(200, 2) * 2
targets = 0.5 * features[:, 0] ** 2 + 1.5 * features[:, 1] + 2.0 + np.random.randn(200) * 0.5
X = torch.FloatTensor(features)
y = torch.FloatTensor(targets).reshape(-1, 1)


class ScaledTanh(nn.Module):
    def forward(self, x):
        return 2 * torch.tanh(x)


class TanhNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(2, 10)
        self.act = ScaledTanh()
        self.layer2 = nn.Linear(10, 1)

    def forward(self, x):
        return self.layer2(self.act(self.layer1(x)))


model = TanhNN()
print(model)
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
losses = []
for epoch in range(100):
    loss = criterion(model(X), y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 25 == 0:
        print(f"Epoch [{epoch+1}/100], Loss: {loss.item():.4f}")
plt.plot(losses)
plt.title("2 tanh(x) activation")
plt.show()
print("loss fell:", losses[-1] < losses[0])
