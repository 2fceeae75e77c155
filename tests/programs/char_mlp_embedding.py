"""A character-level MLP language model (after Bengio et al. 2003): nn.Embedding of the last
three characters, concatenated by .view, a Tanh hidden layer, logits over the characters,
cross-entropy by F.cross_entropy, minibatches drawn by a NumPy generator, Adam.  The mean
training loss every epoch; the model then samples a line greedily (argmax) in eval mode."""

import numpy as np

from tests.programs.common import TEXT, as_tensor, character_windows, init_from_numpy

EPOCHS = 60


def main(torch, epochs=EPOCHS):
    F = torch.nn.functional
    block_size, embed, hidden = 3, 8, 64
    contexts, targets, vocabulary = character_windows(TEXT, block_size)
    X, Y = as_tensor(torch, contexts), as_tensor(torch, targets)

    class CharMLP(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(vocabulary, embed)
            self.hidden = torch.nn.Linear(block_size * embed, hidden)
            self.out = torch.nn.Linear(hidden, vocabulary)

        def forward(self, context):
            e = self.embedding(context)
            h = torch.tanh(self.hidden(e.view(e.shape[0], -1)))
            return self.out(h)

    model = CharMLP()
    init_from_numpy(torch, model, seed=300)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    order = np.random.default_rng(301)
    losses = []
    for epoch in range(epochs):
        model.train()
        total, batches = 0.0, 0
        for batch in np.array_split(order.permutation(len(targets)), 8):
            index = as_tensor(torch, batch)
            loss = F.cross_entropy(model(X[index]), Y[index])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches)
    model.eval()
    context, sampled = [0] * block_size, []
    with torch.no_grad():
        for _ in range(20):
            nxt = model(torch.tensor([context])).argmax(dim=1).item()
            sampled.append(nxt)
            context = context[1:] + [nxt]
    return losses + sampled
