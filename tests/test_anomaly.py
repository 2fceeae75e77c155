"""Anomaly mode: the first backward step that produces NaN or inf raises, naming the op and the
line of user code that created it.  Outside anomaly mode nothing is checked or recorded.

PyTorch's anomaly mode checks for NaN only; ours also stops at inf (issue 7 asks for both).
On programs whose first bad gradient is a NaN, PyTorch is asked which op it blames, so both
name the same culprit.
"""

import contextlib
import inspect
import threading
import warnings

import pytest
import torch

import tinygrad_edu
from tinygrad_edu import autograd


def _line_of(marker, fn):
    """The source line number of the line in fn that contains marker (computed, not typed)."""
    lines, first = inspect.getsourcelines(fn)
    hits = [first + i for i, line in enumerate(lines) if "# " + marker in line]
    assert len(hits) == 1, (marker, hits)
    return hits[0]


@contextlib.contextmanager
def torch_anomaly_mode():
    """PyTorch's detect_anomaly, without its UserWarnings ('this mode is slow', and the
    forward traceback it prints before raising)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Anomaly Detection has been enabled")
        warnings.filterwarnings("ignore", message="Error detected in")
        with torch.autograd.detect_anomaly():
            yield


def sqrt_at_zero(lib):
    x = lib.tensor([0.0, 4.0], requires_grad=True)
    y = x * 2.0
    z = y.sqrt()  # MARK-sqrt: d sqrt/dy = 1/(2 sqrt y) is inf at 0, and 0 * inf is NaN
    loss = (z * 0.0).sum()
    return x, loss


def log_of_zero_times_zero(lib):
    x = lib.tensor([1.0, 0.0], requires_grad=True)
    h = x.exp() - 1.0           # h = [e - 1, 0]
    out = h.log()  # MARK-log: d log/dh = G/h is 0/0 = NaN at h = 0
    loss = (out * 0.0).sum()
    return x, loss


def test_names_the_op_and_its_line_in_user_code():
    x, loss = None, None
    with autograd.detect_anomaly():
        x, loss = sqrt_at_zero(tinygrad_edu)
        with pytest.raises(RuntimeError) as excinfo:
            loss.backward()
    message = str(excinfo.value)
    line = _line_of("MARK-sqrt", sqrt_at_zero)
    assert "SqrtBackward0" in message
    assert f"{__file__}:{line}" in message, message
    assert "nan" in message
    assert "y.sqrt()" in message  # the source line is shown too


def test_same_culprit_as_pytorch():
    for program, ours in [(sqrt_at_zero, "SqrtBackward0"), (log_of_zero_times_zero, "LogBackward0")]:
        with torch_anomaly_mode():
            _, loss = program(torch)
            with pytest.raises(RuntimeError) as torch_error:
                loss.backward()
        assert ours in str(torch_error.value)
        with autograd.detect_anomaly():
            _, loss = program(tinygrad_edu)
            with pytest.raises(RuntimeError, match=ours) as our_error:
                loss.backward()
        marker = "MARK-sqrt" if program is sqrt_at_zero else "MARK-log"
        assert f"{__file__}:{_line_of(marker, program)}" in str(our_error.value)


def test_first_bad_step_is_reported_not_a_later_one():
    """NaN from 0 * inf appears at the first step whose output is non-finite (sqrt's)."""
    x = tinygrad_edu.tensor([0.0, 1.0], requires_grad=True)
    with autograd.detect_anomaly():
        s = x.sqrt()
        t = s.exp()
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            t.sum().backward()
    assert x.grad is None  # nothing was delivered after the failure


def test_off_by_default_and_gradient_is_pytorchs_inf():
    assert not autograd.is_anomaly_enabled()
    x = tinygrad_edu.tensor([0.0, 4.0], requires_grad=True)
    x.sqrt().sum().backward()
    xt = torch.tensor([0.0, 4.0], requires_grad=True)
    xt.sqrt().sum().backward()
    assert x.grad.tolist() == xt.grad.tolist()


def test_nodes_record_their_origin_only_in_anomaly_mode():
    x = tinygrad_edu.ones(3, requires_grad=True)
    y = x * 2
    assert "created_at" not in y.grad_fn.__dict__
    with autograd.detect_anomaly():
        z = x * 2  # MARK-created
    line = _line_of("MARK-created", test_nodes_record_their_origin_only_in_anomaly_mode)
    assert f"{__file__}:{line}" in z.grad_fn.created_at


def test_finite_backward_passes_unchanged_in_anomaly_mode():
    x = tinygrad_edu.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    xt = torch.tensor(x.tolist(), requires_grad=True)
    with autograd.detect_anomaly():
        (x.tanh() @ x).relu().sum().backward()
    (xt.tanh() @ xt).relu().sum().backward()
    assert torch.allclose(torch.tensor(x.grad.tolist()), xt.grad, rtol=1e-6, atol=1e-6)


def test_custom_function_is_named_with_its_origin():
    class Reciprocal(tinygrad_edu.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return 1.0 / a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return -grad / (a * a)

    x = tinygrad_edu.tensor([0.0, 2.0], requires_grad=True)
    with autograd.detect_anomaly():
        y = Reciprocal.apply(x)  # MARK-custom
        with pytest.raises(RuntimeError, match="ReciprocalBackward") as excinfo:
            y.sum().backward()
    line = _line_of("MARK-custom", test_custom_function_is_named_with_its_origin)
    assert f"{__file__}:{line}" in str(excinfo.value)


def test_set_detect_anomaly_switches_on_and_off_like_pytorch():
    try:
        torch_like = tinygrad_edu.autograd.set_detect_anomaly(True)
        assert autograd.is_anomaly_enabled()
        x = tinygrad_edu.tensor([0.0], requires_grad=True)
        with pytest.raises(RuntimeError, match="SqrtBackward0"):
            x.sqrt().sum().backward()
        tinygrad_edu.autograd.set_detect_anomaly(False)
        assert not autograd.is_anomaly_enabled()
        x.sqrt().sum().backward()  # unchecked again: PyTorch's inf gradient, no error
        assert x.grad.tolist() == [float("inf")]
        with tinygrad_edu.autograd.set_detect_anomaly(True):
            assert autograd.is_anomaly_enabled()
        assert not autograd.is_anomaly_enabled()
        assert torch_like is not None
    finally:
        tinygrad_edu.autograd.set_detect_anomaly(False)


def test_decorator_and_check_nan_false():
    @autograd.detect_anomaly()
    def run():
        x = tinygrad_edu.tensor([0.0], requires_grad=True)
        x.sqrt().sum().backward()

    with pytest.raises(RuntimeError, match="SqrtBackward0"):
        run()
    assert not autograd.is_anomaly_enabled()
    with autograd.detect_anomaly(check_nan=False):
        x = tinygrad_edu.tensor([0.0], requires_grad=True)
        x.sqrt().sum().backward()  # PyTorch: check_nan=False checks nothing
    assert x.grad.tolist() == [float("inf")]


def test_anomaly_mode_is_one_switch_for_all_threads_as_in_pytorch():
    seen = {}

    def other():
        seen["other"] = autograd.is_anomaly_enabled()

    with autograd.detect_anomaly():
        t = threading.Thread(target=other)
        t.start()
        t.join()
    with torch_anomaly_mode():
        t = threading.Thread(target=lambda: seen.setdefault("torch", torch.is_anomaly_enabled()))
        t.start()
        t.join()
    assert seen["other"] == seen["torch"] is True
