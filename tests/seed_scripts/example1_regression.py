# The seed's Example 1 in our own words: a 2 -> 10 -> 1 ReLU network fits a noisy
# quadratic-plus-linear surface with MSE and full-batch SGD.
import torch
import torch.nn as nn
import numpy as np
import matplotlib.pyplot as plt

torch.manual_seed(42)
np.random.seed(42)

n_samples = 200
features = np.random.randn(n_samples, 2) * 2
targets = 0.5 * features[:, 0] ** 2 + 1.5 * features[:, 1] + 2.0 + np.random.randn(n_samples) * 0.5
X = torch.FloatTensor(features)
y = torch.FloatTensor(targets).reshape(-1, 1)
print("Data shape:", X.shape, y.shape)


class SimpleNN(nn.Module):
    def __init__(self, input_size=2, hidden_size=10, output_size=1):
        super(SimpleNN, self).__init__()
        self.layer1 = nn.Linear(input_size, hidden_size)
        self.relu = nn.ReLU()
        self.layer2 = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        hidden = self.relu(self.layer1(x))
        return self.layer2(hidden)


model = SimpleNN()
print("Model architecture:")
print(model)

print("\nParameter shapes:")
for name, param in model.named_parameters():
    print(f"{name}: {param.shape}")

criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

n_epochs = 200
losses = []
for epoch in range(n_epochs):
    prediction = model(X)
    loss = criterion(prediction, y)
    losses.append(loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    if (epoch + 1) % 50 == 0:
        print(f"Epoch [{epoch+1}/{n_epochs}], Loss: {loss.item():.4f}")

plt.figure(figsize=(8, 6))
plt.plot(range(n_epochs), losses, label='Training Loss (MSE)')
plt.xlabel('Epoch')
plt.ylabel('Loss')
plt.title('Training loss of the 2-10-1 network')
plt.legend()
plt.grid(True)
plt.show()
print("first loss > last loss:", losses[0] > losses[-1])
