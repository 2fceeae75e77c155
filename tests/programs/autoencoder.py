"""A fully connected autoencoder: 16-dimensional points that lie near a 2-dimensional curved
sheet, squeezed through a bottleneck of 2 by an encoder and decoder (Sequential modules of a
Module of our own), reconstruction MSE, Adam, minibatches by torch.split.  The mean loss every
epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 60


def main(torch, epochs=EPOCHS):
    rng = np.random.default_rng(1300)
    latent = rng.uniform(-1, 1, (240, 2))
    lift = rng.normal(size=(3, 16))
    x = np.concatenate([latent, latent[:, :1] * latent[:, 1:]], axis=1) @ lift
    x += rng.normal(0, 0.02, x.shape)
    X = as_tensor(torch, x)

    class AutoEncoder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Sequential(
                torch.nn.Linear(16, 8), torch.nn.CELU(), torch.nn.Linear(8, 2))
            self.decoder = torch.nn.Sequential(
                torch.nn.Linear(2, 8), torch.nn.CELU(), torch.nn.Linear(8, 16))

        def forward(self, x):
            return self.decoder(self.encoder(x))

    model = AutoEncoder()
    init_from_numpy(torch, model, seed=1301)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    loss_fn = torch.nn.MSELoss()
    losses = []
    for epoch in range(epochs):
        total = 0.0
        batches = torch.split(X, 48)
        for xb in batches:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), xb)
            loss.backward()
            optimizer.step()
            total += loss.item()
        losses.append(total / len(batches))
    return losses
