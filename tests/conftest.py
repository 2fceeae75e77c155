"""The Hypothesis profile (quick by default, TINYGRAD_EDU_PROFILE=thorough) and PyTorch's
thread count for every test: set in tests/suite_settings.py, which the lessons share."""

import tests.suite_settings  # noqa: F401  (registers and loads the profile on import)
