"""How pytest runs the lessons (the *.md files here, collected by --doctest-glob=*.md).

Each lesson is one doctest: every `>>>` line a learner types runs, and its output is compared
with the transcript.  Around every lesson:

* matplotlib draws off-screen (the Agg backend), so plots are saved, never shown;
* the working directory is the project root, so the `tutorials/out/...png` paths a lesson
  prints are where its plots land, wherever pytest was started;
* tinygrad_edu's generator starts from a fresh seed, so no lesson depends on the ones before;
* Hypothesis uses the same profiles as the tests (quick by default, TINYGRAD_EDU_PROFILE=thorough),
  loaded from tests/conftest.py so the two can never drift apart.
"""

import importlib.util
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

import tinygrad_edu  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _load_test_profiles():
    """Run tests/conftest.py (registers and loads the Hypothesis profile) under its own name."""
    spec = importlib.util.spec_from_file_location("_tinygrad_edu_test_profiles",
                                                  ROOT / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_load_test_profiles()


@pytest.fixture(autouse=True)
def lesson_environment(monkeypatch):
    monkeypatch.chdir(ROOT)
    (ROOT / "tutorials" / "out").mkdir(exist_ok=True)
    tinygrad_edu.manual_seed(0)
    default_dtype = tinygrad_edu.get_default_dtype()
    yield
    tinygrad_edu.set_default_dtype(default_dtype)  # a lesson that changes it leaves no trace
    plt.close("all")
