# Exercise 4: the seed's regression trained in shuffled mini-batches of 32 with a DataLoader.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset
import numpy as np
import matplotlib.pyplot as plt

torch.manual_seed(42)
np.random.seed(42)
features = np.random.randn(200, 2) * 2
targets = 0.5 * features[:, 0] ** 2 + 1.5 * features[:, 1] + 2.0 + np.random.randn(200) * 0.5
X = torch.FloatTensor(features)
y = torch.FloatTensor(targets).reshape(-1, 1)

loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
print("batches per epoch:", len(loader))
first_X, first_y = next(iter(loader))
print("first batch:", first_X.shape, first_y.shape)


def make_model():
    return nn.Sequential(nn.Linear(2, 10), nn.ReLU(), nn.Linear(10, 1))


criterion = nn.MSELoss()
mini = make_model()
full = make_model()
full.load_state_dict(mini.state_dict())
opt_mini = torch.optim.SGD(mini.parameters(), lr=0.01)
opt_full = torch.optim.SGD(full.parameters(), lr=0.01)
mini_losses, full_losses = [], []
for epoch in range(100):
    epoch_loss = 0.0
    for xb, yb in loader:
        loss = criterion(mini(xb), yb)
        opt_mini.zero_grad()
        loss.backward()
        opt_mini.step()
        epoch_loss += loss.item() * len(xb)
    mini_losses.append(epoch_loss / len(X))
    loss = criterion(full(X), y)
    opt_full.zero_grad()
    loss.backward()
    opt_full.step()
    full_losses.append(loss.item())
    if (epoch + 1) % 25 == 0:
        print(f"Epoch [{epoch+1}/100], mini-batch: {mini_losses[-1]:.4f}, full: {full_losses[-1]:.4f}")
plt.plot(mini_losses, label="mini-batch")
plt.plot(full_losses, label="full batch")
plt.legend()
plt.show()
print("mini-batches ended lower:", mini_losses[-1] < full_losses[-1])
