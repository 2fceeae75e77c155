"""torch.einsum for one or two operands, reduced to the ops a learner already knows.

``einsum("bij,bjk->bik", A, B)`` names each axis by a letter.  A letter in both operands and
in the output is a batch axis; in both operands but not the output, an axis summed over (the
contraction); in one operand and the output, an axis kept; in one operand only, summed away
first.  So every two-operand einsum is

    sum away the lone letters → line the axes up as (batch, kept, contracted) and
    (batch, contracted, kept) → one batched matmul → reshape and permute into the output,

and a repeated letter within an operand ("ii->i") takes a diagonal first.  Each step is an op
with its own backward (sum, permute, reshape, expand, indexing, matmul), so einsum needs no
backward rule of its own.  ``...`` stands for the axes not named, aligned from the right, as
broadcasting aligns them.
"""

import string

import numpy as np

from .tensor import Tensor

__all__ = ["einsum"]


def _fail(message):
    raise RuntimeError(f"einsum(): {message}")


def _parse(equation, operands):
    """(the letters of each operand, the output's letters), '...' turned into capitals."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) > len(operands):
        _fail("fewer operands were provided than specified in the equation")
    if len(terms) < len(operands):
        _fail("more operands were provided than specified in the equation")
    spare = [c for c in string.ascii_uppercase if c not in equation][::-1]
    widest = 0
    parsed = []
    for i, (term, x) in enumerate(zip(terms, operands)):
        named = term.replace("...", "")
        bad = [c for c in named if c not in string.ascii_letters]
        if bad or term.count("...") > 1:
            _fail(f"invalid subscript {bad[0] if bad else '...'!r} in the equation for operand "
                  f"{i}: use letters a-z, A-Z and at most one '...'")
        if "..." not in term and len(named) != x.ndim:
            _fail(f"the number of subscripts in the equation ({len(named)}) does not match the "
                  f"number of dimensions ({x.ndim}) for operand {i} and no ellipsis was given")
        hidden = x.ndim - len(named)
        if hidden < 0:
            _fail(f"operand {i} has {x.ndim} dimensions, fewer than its {len(named)} subscripts")
        widest = max(widest, hidden)
        parsed.append((term, hidden))
    ellipsis = spare[:widest][::-1]  # the same letters for the same right-aligned axes
    letters = []
    for term, hidden in parsed:
        head, _, tail = term.partition("...")
        letters.append(list(head) + ellipsis[widest - hidden:] + list(tail))
    if arrow:
        if output.count("...") > 1 or any(c not in string.ascii_letters
                                          for c in output.replace("...", "")):
            _fail(f"invalid output subscripts {output!r}")
        head, dots, tail = output.partition("...")
        out = list(head) + (ellipsis if dots else []) + list(tail)
        for c in out:
            if out.count(c) > 1:
                _fail(f"output subscript {c} appears more than once in the output")
            if not any(c in ls for ls in letters):
                _fail(f"output subscript {c} does not appear in the equation for any input "
                      f"operand")
    else:  # implicit: the '...' axes, then each letter used once, alphabetically
        counts = {}
        for ls in letters:
            for c in ls:
                counts[c] = counts.get(c, 0) + 1
        out = ellipsis + sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis)
    return letters, out


def _diagonals(x, letters, i):
    """Take the diagonal for each letter repeated within operand i ('ii' → 'i')."""
    while True:
        repeated = next((c for c in letters if letters.count(c) > 1), None)
        if repeated is None:
            return x, letters
        p = letters.index(repeated)
        q = letters.index(repeated, p + 1)
        if x.shape[p] != x.shape[q]:
            _fail(f"subscript {repeated} is repeated for operand {i} but the sizes don't match, "
                  f"{x.shape[p]} != {x.shape[q]}")
        rest = [i for i in range(x.ndim) if i not in (p, q)]
        x = x.permute(p, q, *rest)
        n = np.arange(x.shape[0])
        x = x[n, n]
        letters = [repeated] + [letters[i] for i in rest]


def _sum_away(x, letters, keep):
    """Sum over the axes whose letters are not in keep."""
    axes = tuple(i for i, c in enumerate(letters) if c not in keep)
    if axes:
        x = x.sum(axes)
        letters = [c for c in letters if c in keep]
    return x, letters


def _arrange(x, letters, order, sizes):
    """x with its axes permuted into `order` and size-1 axes expanded to `sizes`."""
    x = x.permute(*[letters.index(c) for c in order]) if order else x
    target = tuple(sizes[c] for c in order)
    return x.expand(target) if tuple(x.shape) != target else x


def einsum(equation, *operands):
    """Sums of products named by subscripts: einsum('ij,jk->ik', A, B) is A @ B,
    'i,i->' a dot product, 'i,j->ij' an outer product, 'bij,bjk->bik' a batched matmul,
    'ij->ji' a transpose, 'ii' a trace.  One or two operands (or a list of them)."""
    if not isinstance(equation, str):
        raise TypeError(f"einsum(): argument 'equation' (position 1) must be str, not "
                        f"{type(equation).__name__}")
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    for i, x in enumerate(operands):
        if not isinstance(x, Tensor):
            raise TypeError(f"einsum(): operand {i} must be a Tensor, not {type(x).__name__}")
    if not 1 <= len(operands) <= 2:
        raise NotImplementedError(
            f"einsum() here takes one or two operands, got {len(operands)}: contract them two "
            f"at a time (einsum of the first two, then of that and the next)")
    if len(operands) == 2 and operands[0].dtype != operands[1].dtype:
        _fail(f"expected scalar type {operands[0].dtype.name} but found "
              f"{operands[1].dtype.name} (convert one operand with .to(dtype))")
    letters, out = _parse(equation, operands)
    sizes = {}
    pairs = []
    for i, (x, ls) in enumerate(zip(operands, letters)):
        x, ls = _diagonals(x, ls, i)
        for c, n in zip(ls, x.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                _fail(f"subscript {c} has size {n} for operand {i} which does not broadcast "
                      f"with previously seen size {sizes[c]}")
            sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
        pairs.append((x, ls))
    if len(pairs) == 1:
        x, ls = _sum_away(*pairs[0], keep=set(out))
        return _arrange(x, ls, out, sizes) if out else x
    (a, la), (b, lb) = pairs
    a, la = _sum_away(a, la, keep=set(out) | set(lb))
    b, lb = _sum_away(b, lb, keep=set(out) | set(la))
    batch = [c for c in out if c in la and c in lb]
    kept_a = [c for c in out if c in la and c not in lb]
    kept_b = [c for c in out if c in lb and c not in la]
    summed = [c for c in la if c in lb and c not in out]
    a = _arrange(a, la, batch + kept_a + summed, sizes)
    b = _arrange(b, lb, batch + summed + kept_b, sizes)

    def count(cs):
        return int(np.prod([sizes[c] for c in cs])) if cs else 1
    product = a.reshape(count(batch), count(kept_a), count(summed)) @ \
        b.reshape(count(batch), count(summed), count(kept_b))
    done = batch + kept_a + kept_b
    product = product.reshape(tuple(sizes[c] for c in done))
    return product.permute(*[done.index(c) for c in out]) if out else product
