"""Distillation: a small student learns a fixed teacher's softened class probabilities
(temperature 2) with KLDivLoss(reduction='batchmean') on log-probabilities from
F.log_softmax.  A loss every epoch."""

import numpy as np

from tests.programs.common import as_tensor, init_from_numpy

EPOCHS = 300


def main(torch, epochs=EPOCHS):
    F = torch.nn.functional
    rng = np.random.default_rng(200)
    X = as_tensor(torch, rng.normal(size=(128, 6)))
    teacher = torch.nn.Sequential(
        torch.nn.Linear(6, 32), torch.nn.Tanh(), torch.nn.Linear(32, 4))
    init_from_numpy(torch, teacher, seed=201)
    temperature = 2.0
    with torch.no_grad():
        soft_targets = F.softmax(teacher(X) * 3 / temperature, dim=1)
    student = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 4))
    init_from_numpy(torch, student, seed=202)
    criterion = torch.nn.KLDivLoss(reduction='batchmean')
    optimizer = torch.optim.Adam(student.parameters(), lr=0.01)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        log_probs = F.log_softmax(student(X) / temperature, dim=1)
        loss = criterion(log_probs, soft_targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
