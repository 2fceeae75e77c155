"""Every warning the engine gives points at the learner's line (PyTorch's do), not at the
engine file that noticed the problem, however deep the call went (Module.__call__ → forward →
functional helper)."""

import inspect
import warnings

import pytest

import tinygrad_edu as torch
import tinygrad_edu.nn as nn
import tinygrad_edu.nn.functional as F
from tinygrad_edu.utils.data import TensorDataset, random_split


class TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 1)

    def forward(self, x):
        return self.layer(x)


def _target_of_another_shape_through_a_module():
    model, criterion = TwoLayers(), nn.MSELoss()
    criterion(model(torch.ones(4, 2)), torch.ones(4))  # WARNS HERE


def _target_of_another_shape_functional():
    F.l1_loss(torch.ones(4, 1), torch.ones(4))  # WARNS HERE


def _grad_of_a_non_leaf():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    y.sum().backward()
    return y.grad  # WARNS HERE


def _softmax_without_dim():
    nn.Softmax()(torch.ones(2, 3))  # WARNS HERE


def _log_softmax_without_dim():
    F.log_softmax(torch.ones(2, 3))  # WARNS HERE


def _legacy_reduction_flags():
    nn.MSELoss(size_average=False)(torch.ones(2), torch.ones(2))  # WARNS HERE


def _initialising_an_empty_tensor():
    nn.init.kaiming_uniform_(torch.empty(0, 3))  # WARNS HERE


def _a_split_of_length_zero():
    random_split(TensorDataset(torch.ones(2, 1)), [0.0, 1.0])  # WARNS HERE


CASES = [_target_of_another_shape_through_a_module, _target_of_another_shape_functional,
         _grad_of_a_non_leaf, _softmax_without_dim, _log_softmax_without_dim,
         _legacy_reduction_flags, _initialising_an_empty_tensor, _a_split_of_length_zero]


def _marked_line(function):
    lines, first = inspect.getsourcelines(function)
    marked = [first + i for i, line in enumerate(lines) if line.rstrip().endswith("# WARNS HERE")]
    assert len(marked) == 1, function.__name__
    return marked[0]


@pytest.mark.parametrize("case", CASES, ids=lambda f: f.__name__.strip("_"))
def test_the_warning_points_at_the_learners_line(case):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        case()
    assert len(caught) == 1, [str(w.message) for w in caught]
    assert caught[0].category is UserWarning
    assert (caught[0].filename, caught[0].lineno) == (__file__, _marked_line(case))


def test_every_case_ran():
    assert len(CASES) == 8


def test_at_a_prompt_the_warning_names_the_typed_line():
    """Typed at `python -i`, the code's file is <stdin>: the warning says <stdin>, line 2."""
    typed = "import tinygrad_edu.nn as nn, tinygrad_edu as torch\n" \
            "nn.MSELoss()(torch.ones(4, 1), torch.ones(4))\n"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        exec(compile(typed, "<stdin>", "exec"), {})
    assert [(w.filename, w.lineno) for w in caught] == [("<stdin>", 2)]
