"""The engine is safe across threads: per-call state lives per call.

An op keeps facts on its ctx during forward (Mean its count, Where its condition).  When every
unrecorded call shared one ctx object, a second thread could overwrite them between the write
and the read: `big.mean()` of 2·10⁶ ones returned 666666.67 in about 10% of calls while another
thread ran `small.mean()`.  The first test pins that race down with a barrier, so a shared ctx
fails it every time; the others run whole programs in several threads and demand the
single-threaded results bit for bit.
"""

import gc
import threading
import weakref

import numpy as np

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
from tinygrad_edu.__main__ import SimpleNN, make_data
from tinygrad_edu.autograd import Op

THREADS = 4


def run_in_threads(work, count=THREADS):
    """work(i) in `count` threads started together; their results, or the first error."""
    start = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        start.wait(10)
        try:
            results[i] = work(i)
        except BaseException as error:  # reported in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors[0]
    return results


class NoteAndReadBack(Op):
    """Writes a per-call fact on ctx, waits until every thread has written its own, reads it."""

    name = "note_and_read_back"
    all_written = None

    @classmethod
    def forward(cls, ctx, a, value):
        ctx.note = value
        cls.all_written.wait(10)  # the point of the race, held open for every thread
        return np.asarray(ctx.note)


def test_each_unrecorded_call_has_a_context_of_its_own():
    NoteAndReadBack.all_written = threading.Barrier(THREADS)
    with torch.no_grad():
        seen = run_in_threads(lambda i: NoteAndReadBack.apply(torch.ones(1), value=i).item())
    assert seen == list(range(THREADS))


def _programs():
    rng = np.random.default_rng(0)
    big = torch.tensor(np.ones(2_000_000, np.float32))
    x = torch.tensor(rng.standard_normal((64, 32)).astype(np.float32))
    w = torch.tensor(rng.standard_normal((32, 16)).astype(np.float32))
    cond = torch.tensor(rng.random((64, 32)) < 0.5)

    def mean_big_and_small(i):
        return [(big.mean().item(), torch.ones(3).mean().item()) for _ in range(20)]

    def where_relu_matmul_backward(i):
        a = x.detach().requires_grad_()
        b = w.detach().requires_grad_()
        out = torch.where(cond, a, -a).relu() @ b
        (out * out).mean().backward()
        return out.detach().numpy(), a.grad.numpy(), b.grad.numpy()

    def seed_training_steps(i):
        with SEED_LOCK:  # the generator is shared by the threads: draw the weights one at a time
            torch.manual_seed(0)
            model = SimpleNN()
        X, y = make_data(0)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
        losses = []
        for _ in range(25):
            loss = nn.MSELoss()(model(X), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return losses, [p.detach().numpy().copy() for p in model.parameters()]

    return {"mean": mean_big_and_small, "where/relu/matmul": where_relu_matmul_backward,
            "seed step": seed_training_steps}


SEED_LOCK = threading.Lock()


def _same_bits(a, b):
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same_bits(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
        a.view(f"u{a.itemsize}") if a.dtype.kind == "f" else a,
        b.view(f"u{b.itemsize}") if b.dtype.kind == "f" else b)


def test_programs_in_threads_give_the_single_threaded_bits():
    programs = _programs()
    assert len(programs) == 3
    for name, program in programs.items():
        alone = program(0)
        for round_ in range(3):
            together = run_in_threads(program)
            assert all(_same_bits(result, alone) for result in together), (name, round_)
    assert programs["mean"](0)[0] == (1.0, 1.0)


def test_no_array_outlives_an_unrecorded_op():
    """A no-grad where keeps nothing of its condition (a shared ctx kept the last one)."""
    condition = np.array([True, False, True])
    alive = weakref.ref(condition)
    with torch.no_grad():
        out = torch.where(torch.from_numpy(condition), torch.ones(3), torch.zeros(3))
    del condition
    gc.collect()
    assert alive() is None
    assert out.tolist() == [1.0, 0.0, 1.0]
