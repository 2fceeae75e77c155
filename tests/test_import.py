"""`import tinygrad_edu` stays light: no heavy or optional dependency.

Each check runs in a fresh Python process, so nothing imported by pytest or by other tests
(torch, hypothesis, sympy …) can hide or fake the result.  How fast the import is lives in
benchmarks/ (`python -m benchmarks.run --only imports`, held to its floor of 0.15 s), not here.
"""

import json
import subprocess
import sys

import torch  # noqa: F401  (the suite's oracle; required even where unused, never skipped)

PROBE = r"""
import json, sys
import tinygrad_edu
heavy = ["sympy", "matplotlib", "hypothesis", "torch", "tinygrad_edu.testing",
         "tinygrad_edu.viz"]
print(json.dumps({
    "loaded": [name for name in heavy if name in sys.modules],
    "numpy_loaded": "numpy" in sys.modules,
}))
"""


def _run_probe(code=PROBE):
    """Run code in a fresh interpreter and return the JSON it printed last."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_pulls_in_no_heavy_or_optional_module():
    report = _run_probe()
    assert report["loaded"] == [], (
        f"`import tinygrad_edu` imported {report['loaded']}; these must be imported only "
        f"where they are used (testing and viz explicitly, torch never)")
    assert report["numpy_loaded"]  # the probe really imported the package


def test_testing_module_is_not_imported_by_the_package():
    code = ("import json, sys\nimport tinygrad_edu\n"
            "print(json.dumps({'testing': 'tinygrad_edu.testing' in sys.modules,\n"
            "                  'attr': hasattr(tinygrad_edu, 'testing')}))")
    report = _run_probe(code)
    assert report == {"testing": False, "attr": False}


def test_probe_detects_a_heavy_import():
    """The sys.modules check can fail: importing one of the watched modules shows up."""
    code = PROBE.replace("import tinygrad_edu\n", "import tinygrad_edu\nimport json.tool\n"
                         "import hypothesis\n", 1)
    report = _run_probe(code)
    assert "hypothesis" in report["loaded"]
