"""How pytest runs the lessons (the *.md files here, collected by --doctest-glob=*.md).

Each lesson is one doctest: every `>>>` line a learner types runs, and its output is compared
with the transcript.  Around every lesson:

* matplotlib draws off-screen (the Agg backend), so plots are saved, never shown;
* the working directory is the project root, as for a learner (tutorials/README.md), so the
  `tutorials/out/...` paths a lesson prints are where its files land, wherever pytest was
  started; each lesson makes that folder itself, as it must at a real prompt;
* Hypothesis uses the same profiles as the tests (quick by default, TINYGRAD_EDU_PROFILE=thorough),
  from tests/suite_settings.py, which tests/conftest.py imports too, so the two never drift apart.

No seed is set here: a lesson that needs one calls `torch.manual_seed` itself, as it must at a
prompt.  doctest's parser is more lenient than a prompt (it accepts a blank `...` line inside a
block, which ends the block at a prompt), so tests/test_lessons_replay.py also types every lesson
into a real `python -i`.
"""

from pathlib import Path

import pytest

import tests.suite_settings  # noqa: F401  (the tests' Hypothesis profile)
import tinygrad_edu

try:  # a missing matplotlib fails each lesson with what to install, not the whole collection
    import matplotlib
except ModuleNotFoundError:
    plt = None
else:
    matplotlib.use("Agg")  # before pyplot is imported anywhere
    import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def lesson_environment(monkeypatch):
    if plt is None:
        pytest.fail("the lessons draw with matplotlib, which is not installed: "
                    "pip install -e \".[test]\" (README)", pytrace=False)
    monkeypatch.chdir(ROOT)
    default_dtype = tinygrad_edu.get_default_dtype()
    yield
    tinygrad_edu.set_default_dtype(default_dtype)  # a lesson that changes it leaves no trace
    plt.close("all")
