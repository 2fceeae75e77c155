# Exercise 5: two Gaussian blobs, a 2 -> 5 -> 1 network with a sigmoid output, BCELoss.
import torch
import torch.nn as nn
import numpy as np
import matplotlib.pyplot as plt

torch.manual_seed(1)
np.random.seed(1)
n = 100
points = np.vstack([np.random.randn(n // 2, 2) + [2, 2], np.random.randn(n // 2, 2) - [2, 2]])
labels = np.hstack([np.ones(n // 2), np.zeros(n // 2)])
X = torch.FloatTensor(points)
y = torch.FloatTensor(labels).reshape(-1, 1)
print("Data shape:", X.shape, y.shape)


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(2, 5)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(5, 1)
        self.sigmoid = nn.Sigmoid()

    def forward(self, x):
        return self.sigmoid(self.layer2(self.relu(self.layer1(x))))


model = Classifier()
print(model)
criterion = nn.BCELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
losses = []
for epoch in range(200):
    probabilities = model(X)
    loss = criterion(probabilities, y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 50 == 0:
        print(f"Epoch [{epoch+1}/200], Loss: {loss.item():.4f}")
with torch.no_grad():
    accuracy = ((model(X) > 0.5).float() == y).float().mean().item()
print(f"accuracy above 0.9: {accuracy > 0.9}")
plt.plot(losses)
plt.title("BCE loss")
plt.show()

# Exercise 6: the gradient of the last batch's loss with respect to layer1.weight.
print("layer1.weight.grad shape:", model.layer1.weight.grad.shape)
print(model.layer1.weight.grad)
grad_norm = model.layer1.weight.grad.norm().item()
print("gradient norm below 0.1 (near a minimum):", grad_norm < 0.1)
