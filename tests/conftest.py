"""The Hypothesis profile (quick by default, TINYGRAD_EDU_PROFILE=thorough) and PyTorch's
thread count for every test: set in tests/suite_settings.py, which the lessons share."""

import importlib.util

import tests.suite_settings  # noqa: F401  (registers and loads the profile on import)

ORACLE_MISSING = ("needs PyTorch 2.13.0, the tests' oracle, which is not installed: "
                  "pip install -e \".[test]\" (README)")


def pytest_collectreport(report):
    """A test module that cannot import PyTorch fails with what to install (pyproject's
    --continue-on-collection-errors lets every other test run): never a skip."""
    if report.failed and "No module named 'torch'" in str(report.longrepr):
        report.longrepr = f"{report.nodeid} {ORACLE_MISSING}"


def pytest_terminal_summary(terminalreporter):
    """Said last, where the run's result is read (also under -q): what is missing of the test
    extra, if anything."""
    missing = [name for name in ("torch", "matplotlib") if importlib.util.find_spec(name) is None]
    if missing:
        terminalreporter.write_line(
            f"the test extra is not installed ({', '.join(missing)} missing): the modules that "
            f"need it fail; install it with pip install -e \".[test]\" (README)", red=True)
