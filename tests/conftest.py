"""The Hypothesis profile (quick by default, TINYGRAD_EDU_PROFILE=thorough) and PyTorch's
thread count for every test: set in tests/suite_settings.py, which the lessons share."""

import tests.suite_settings  # noqa: F401  (registers and loads the profile on import)

ORACLE_MISSING = ("needs PyTorch 2.13.0, the tests' oracle, which is not installed: "
                  "pip install -e \".[test]\" (README)")


def pytest_collectreport(report):
    """A test module that cannot import PyTorch fails with what to install (pyproject's
    --continue-on-collection-errors lets every other test run): never a skip."""
    if report.failed and "No module named 'torch'" in str(report.longrepr):
        report.longrepr = f"{report.nodeid} {ORACLE_MISSING}"
