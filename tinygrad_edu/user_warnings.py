"""Warnings shown at the learner's line, as PyTorch's are (and the frame anomaly mode names).

A warning raised deep inside the engine (a loss called through Module.__call__, forward and a
functional helper) would otherwise point at an engine file.  ``warn`` walks up the call stack
past every frame of this package and warns at the first frame outside it: the line the
learner wrote.  (Python 3.12's ``skip_file_prefixes`` does the same; this works on 3.10 too.)
"""

import os
import sys
import warnings

PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def user_frame(frame):
    """(the first frame at or above `frame` outside tinygrad_edu, how many steps up it is);
    the frame is None when every caller is inside the package."""
    steps = 0
    while frame is not None and frame.f_code.co_filename.startswith(PACKAGE_DIR):
        frame, steps = frame.f_back, steps + 1
    return frame, steps


def warn(message, category=UserWarning):
    """warnings.warn(message, category) attributed to the first caller outside tinygrad_edu."""
    _, steps = user_frame(sys._getframe(1))
    warnings.warn(message, category, stacklevel=2 + steps)  # 1 would be this function itself
