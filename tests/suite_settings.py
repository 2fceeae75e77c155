"""Settings every test and every lesson runs under: imported by tests/conftest.py and
tutorials/conftest.py, so the two can never drift apart.

Hypothesis profiles, picked by TINYGRAD_EDU_PROFILE:
quick (default): a few dozen examples per property, the whole suite in a few minutes.
thorough: at least 500 examples per property (TINYGRAD_EDU_PROFILE=thorough pytest).
Loaded explicitly here, because Hypothesis brings its own 'ci' profile when CI is set.
"""

import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                     HealthCheck.data_too_large])
settings.register_profile("quick", max_examples=25, **_common)
settings.register_profile("thorough", max_examples=500, **_common)

PROFILE = os.environ.get("TINYGRAD_EDU_PROFILE", "quick")
if PROFILE not in ("quick", "thorough"):
    raise RuntimeError(
        f"TINYGRAD_EDU_PROFILE={PROFILE!r}: expected 'quick' (default) or 'thorough'")
settings.load_profile(PROFILE)

# The oracle's tensors are tiny: PyTorch's worker threads only add overhead, and on a busy
# 2-core machine their spinning made comparison tests up to 30x slower.  (A missing PyTorch
# is reported by the comparison tests themselves, which import it.)
try:
    import torch
except ImportError:
    pass
else:
    torch.set_num_threads(1)
