"""Time tinygrad_edu, PyTorch (CPU, eager) and hand-written NumPy side by side.

    python -m benchmarks.run                      # everything: about 5 minutes on 2 cores
    python -m benchmarks.run --quick --only W1,W4 # a fast look at some workloads
    python -m benchmarks.run --out-dir /tmp/bench # write the results elsewhere
    python -m benchmarks.run --wait-idle 600      # first wait for other processes to finish

Method, per workload: one untimed warm-up run of each implementation, then rounds of
(engine, torch, numpy) runs, each run freshly prepared (model, optimizer, copies of the shared
initial weights; untimed) and timed with time.perf_counter; the median over rounds is
reported, with ratios of medians.  Thread counts are left at each library's default and
recorded.  Import times are measured in fresh interpreters (best of 3), W3's peak memory with
each implementation alone in its own process.  Writes results.md, results.json and ratios.png
into the output folder (benchmarks/ by default) and prints the Markdown table.
"""

import argparse
import compileall
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from . import report, workloads_large, workloads_micro, workloads_mlp, workloads_second_order
from .common import (IMPLEMENTATIONS, Unavailable, blas_threads, compare_outcomes,
                     relative_difference, to_numpy)

REPO_ROOT = Path(__file__).resolve().parent.parent
GROUPS = ("imports", "W1", "W2", "W3", "W4", "W5")
IMPORT_MODULES = {"engine": "tinygrad_edu", "torch": "torch", "numpy": "numpy"}
IMPORT_TRIES = 3

# The floors, as (result entry, metric, bound, unit): issue 6's, with W4's two raised to 3.6× by
# issue 14 (the reading path gave up the tricks that had bought them)
FLOORS = [
    ("W1", "engine/numpy", 2.0, "×"),
    ("W2", "engine/numpy", 2.5, "×"),
    ("W3", "engine/numpy", 1.10, "×"),
    ("W3-memory", "engine/numpy", 1.3, "×"),
    ("W4-matmul", "engine/numpy", 3.6, "×"),
    ("W4-chain", "engine/numpy", 3.6, "×"),
    ("imports", "engine_seconds", 0.15, "s"),
]
IDLE_LOAD = 0.5  # 1-minute load average below which --wait-idle starts


def progress(message):
    print(message, file=sys.stderr, flush=True)


# ----- timing ------------------------------------------------------------------------------------

def time_case(case):
    """Warm up, then time interleaved rounds of every available implementation.

    Returns the result entry for the JSON: times per repeat (seconds per run and per unit),
    medians, ratios of medians, outcomes and their agreement.
    """
    available, unavailable = [], {}
    for impl in IMPLEMENTATIONS:  # warm-up: one untimed run each
        try:
            case.prepare[impl]()()
            available.append(impl)
        except Unavailable as reason:
            unavailable[impl] = str(reason)
        except Exception as error:  # a broken implementation must not hide the others' results
            traceback.print_exc()
            unavailable[impl] = f"failed: {type(error).__name__}: {error}"

    seconds = {impl: [] for impl in available}
    outcomes = {impl: [] for impl in available}
    for _ in range(case.repeats):
        for impl in available:
            run = case.prepare[impl]()
            gc.collect()
            start = time.perf_counter()
            outcome = run()
            seconds[impl].append(time.perf_counter() - start)
            outcomes[impl].append({k: to_numpy(v) for k, v in outcome.items()})

    per_unit = {impl: [s / case.calls_per_run for s in seconds[impl]] for impl in available}
    median = {impl: statistics.median(per_unit[impl]) for impl in available}
    first_outcome = {impl: outcomes[impl][0] for impl in available}
    # every repeat of one implementation should reproduce its first outcome
    repeat_spread = {impl: max((relative_difference(o[k], outcomes[impl][0][k])
                                for o in outcomes[impl][1:] for k in o), default=0.0)
                     for impl in available}
    agreement = compare_outcomes(first_outcome)
    return {
        "title": case.title,
        "group": case.group,
        "params": case.params,
        "code_path": case.code_path,
        "note": case.note,
        "unit": case.unit,
        "calls_per_run": case.calls_per_run,
        "repeats": case.repeats,
        "unavailable": unavailable,
        "seconds_per_unit": per_unit,
        "median_seconds": median,
        "ratios": ratios_of(median),
        "outcome": {impl: {k: v.tolist() for k, v in first_outcome[impl].items()}
                    for impl in available},
        "final_loss": {impl: float(first_outcome[impl]["loss"]) for impl in available
                       if "loss" in first_outcome[impl]},
        "repeat_spread": repeat_spread,
        "agreement": {**agreement, "tolerance": case.tolerance,
                      "agree": None if agreement["max"] is None
                      else agreement["max"] <= case.tolerance},
    }


def ratios_of(values):
    """engine/numpy, engine/torch and torch/numpy of a dict of medians (None where missing)."""
    def ratio(top, bottom):
        if values.get(top) is None or not values.get(bottom):
            return None
        return values[top] / values[bottom]
    return {"engine/numpy": ratio("engine", "numpy"), "engine/torch": ratio("engine", "torch"),
            "torch/numpy": ratio("torch", "numpy")}


# ----- W3's memory, each implementation in its own process ---------------------------------------

def measure_w3_memory(steps):
    memory = {}
    for impl in IMPLEMENTATIONS:
        completed = subprocess.run(
            [sys.executable, "-m", "benchmarks.workloads_large", "--memory", impl,
             "--steps", str(steps)],
            cwd=REPO_ROOT, capture_output=True, text=True)
        if completed.returncode != 0:
            memory[impl] = {"error": completed.stderr.strip().splitlines()[-1:]}
            continue
        memory[impl] = json.loads(completed.stdout.strip().splitlines()[-1])
    deltas = {impl: m.get("delta_rss_bytes") for impl, m in memory.items()}
    peaks = {impl: m.get("peak_rss_bytes") for impl, m in memory.items()}
    return {"title": "W3 peak memory, each implementation alone in its own process",
            "per_impl": memory, "ratios": ratios_of(deltas), "raw_peak_ratios": ratios_of(peaks)}


# ----- import time in a fresh interpreter --------------------------------------------------------

def compile_engine_bytecode():
    """Write the engine's bytecode (__pycache__) before its import is timed, as pip writes
    NumPy's and PyTorch's when it installs them: all three imports then read .pyc files.
    (Where PYTHONDONTWRITEBYTECODE=1 is set, as on this project's machines, an editable
    install never gets them, and each import would compile the engine from source.)

    Returns what compiling the modules `import tinygrad_edu` loads costs, from their source:
    the time such an import pays on top (reported, not a floor)."""
    listing = subprocess.run(
        [sys.executable, "-c", "import sys, tinygrad_edu; print('\\n'.join(m.__file__ for n, m"
         " in sys.modules.items() if n.partition('.')[0] == 'tinygrad_edu' and m.__file__))"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    sources = [Path(line) for line in listing.stdout.splitlines()]
    start = time.perf_counter()
    lines = 0
    for path in sources:
        text = path.read_bytes()
        compile(text, str(path), "exec")
        lines += text.count(b"\n")
    compile_seconds = time.perf_counter() - start
    for path in sources:
        if not compileall.compile_file(path, quiet=1):
            raise RuntimeError(f"compileall could not write the bytecode of {path}")
    return {"modules": len(sources), "lines": lines, "seconds": compile_seconds}


def measure_imports():
    compiling = compile_engine_bytecode()
    code = ("import time; start = time.perf_counter(); import {module}; "
            "print(time.perf_counter() - start)")
    tries = {impl: [] for impl in IMPORT_MODULES}
    for _ in range(IMPORT_TRIES):
        for impl, module in IMPORT_MODULES.items():
            completed = subprocess.run([sys.executable, "-c", code.format(module=module)],
                                       cwd=REPO_ROOT, capture_output=True, text=True, check=True)
            tries[impl].append(float(completed.stdout.strip()))
    best = {impl: min(values) for impl, values in tries.items()}
    return {"title": f"import in a fresh interpreter (best of {IMPORT_TRIES}), "
                     "NumPy's import included",
            "modules": IMPORT_MODULES, "seconds": tries, "best_seconds": best,
            "engine_compile_from_source": compiling,
            "engine_seconds": best["engine"], "ratios": ratios_of(best)}


# ----- the run -----------------------------------------------------------------------------------

def environment():
    import torch

    import tinygrad_edu

    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT,
                                capture_output=True, text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--", "tinygrad_edu"],
                                    cwd=REPO_ROOT, capture_output=True, text=True).stdout.strip())
    except OSError:
        commit, dirty = "", False
    return {
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "tinygrad_edu": tinygrad_edu.__version__,
        "git_commit": commit + ("+uncommitted engine changes" if dirty else ""),
        "load_average_at_start": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "threads": {"torch": torch.get_num_threads(),
                    "torch_interop": torch.get_num_interop_threads(),
                    "numpy_blas": blas_threads()},
    }


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def evaluate_floors(results):
    rows = []
    for entry, metric, bound, unit in FLOORS:
        data = results.get(entry)
        if data is None:
            continue
        value = data.get(metric) if metric == "engine_seconds" else data["ratios"].get(metric)
        rows.append({"entry": entry, "metric": metric, "measured": value, "floor": bound,
                     "unit": unit, "pass": None if value is None else value <= bound})
    for key, data in results.items():
        agreement = data.get("agreement")
        if agreement is not None and agreement["max"] is not None:
            rows.append({"entry": key, "metric": "loss agreement", "measured": agreement["max"],
                         "floor": agreement["tolerance"], "unit": "rel",
                         "pass": agreement["agree"]})
    return rows


def wait_for_idle(limit_seconds):
    """Poll the 1-minute load average until it falls below IDLE_LOAD or the time is up."""
    if not hasattr(os, "getloadavg"):
        return
    deadline = time.monotonic() + limit_seconds
    while os.getloadavg()[0] >= IDLE_LOAD and time.monotonic() < deadline:
        progress(f"waiting for an idle machine: load average {os.getloadavg()[0]:.2f}")
        time.sleep(15)


def parse_only(text):
    """--only's comma-separated groups (argparse names the option when this refuses one)."""
    chosen = {part.strip() for part in text.split(",") if part.strip()}
    unknown = chosen - set(GROUPS)
    if unknown or not chosen:
        what = f"unknown {', '.join(sorted(unknown))}" if unknown else "no group named"
        raise argparse.ArgumentTypeError(f"{what}; choose from {', '.join(GROUPS)}")
    return chosen


def at_least(low, kind):
    """An argparse type: a number of `kind` (int or float) no smaller than `low`."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not value >= low:  # also refuses NaN
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {text}")
        return value
    return parse


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="tinygrad_edu vs PyTorch vs hand-written NumPy, side by side.")
    parser.add_argument("--quick", action="store_true",
                        help="fewer epochs, steps and repeats (a smoke run, not a measurement)")
    parser.add_argument("--only", metavar="W1,W4", type=parse_only, default=set(GROUPS),
                        help=f"comma-separated subset of {','.join(GROUPS)}")
    parser.add_argument("--repeats", type=at_least(1, int), metavar="N",
                        help="timed rounds per workload (default: 11, W3 5; --quick 3)")
    parser.add_argument("--wait-idle", type=at_least(0, float), metavar="SECONDS", default=0,
                        help="first wait up to SECONDS for the 1-minute load average to fall "
                             f"below {IDLE_LOAD} (other processes make timings noisy)")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent,
                        help="where results.md, results.json and ratios.png go "
                             "(default: benchmarks/)")
    args = parser.parse_args(argv)
    chosen = args.only
    if args.wait_idle > 0:
        wait_for_idle(args.wait_idle)
    started = time.perf_counter()

    env = environment()
    progress(f"threads: torch {env['threads']['torch']}, NumPy BLAS "
             f"{env['threads']['numpy_blas'].get('threads')} "
             f"({env['threads']['numpy_blas'].get('library')})")
    results = {}
    if "imports" in chosen:
        results["imports"] = measure_imports()
        best = results["imports"]["best_seconds"]
        progress("[imports] " + ", ".join(f"{IMPORT_MODULES[i]} {best[i]:.3f} s" for i in best))

    cases = []
    for module in (workloads_mlp, workloads_large, workloads_micro):
        cases += [c for c in module.cases(args.quick) if c.group in chosen]
    for case in cases:
        case.repeats = args.repeats or case.repeats
    for number, case in enumerate(cases, 1):
        case_start = time.perf_counter()
        progress(f"[{number}/{len(cases)} {case.key}] {case.title}: {case.repeats} rounds …")
        entry = time_case(case)
        results[case.key] = entry
        progress(f"[{number}/{len(cases)} {case.key}] " + progress_summary(entry)
                 + f" ({time.perf_counter() - case_start:.1f} s)")
        if case.key == "W3":
            memory = measure_w3_memory(case.params["steps"])
            results["W3-memory"] = memory
            deltas = {i: m.get("delta_rss_bytes") for i, m in memory["per_impl"].items()}
            progress("[W3-memory] Δ RSS " + ", ".join(
                f"{i} {d / 2**20:.0f} MiB" if d is not None else f"{i} failed"
                for i, d in deltas.items()))

    if "W5" in chosen:
        progress("[W5] seed network: Hessian-vector product vs gradient …")
        repeats = args.repeats or (3 if args.quick else 11)
        results["W5"] = workloads_second_order.measure(repeats, 5 if args.quick else 50)
        ratio = results["W5"]["hvp_over_gradient"]
        progress(f"[W5] HVP ÷ gradient: engine {ratio['engine']:.2f}×, "
                 f"PyTorch {ratio['torch']:.2f}×")

    document = {
        "command": "python -m benchmarks.run " + " ".join(argv if argv is not None
                                                          else sys.argv[1:]),
        "quick": args.quick,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
        "total_seconds": time.perf_counter() - started,
        "environment": env,
        "results": results,
        "floors": evaluate_floors(results),
    }
    if hasattr(os, "getloadavg"):
        env["load_average_at_end"] = os.getloadavg()[0]
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (args.out_dir / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    markdown = report.markdown(document)
    (args.out_dir / "results.md").write_text(markdown)
    report.bar_chart(document, args.out_dir / "ratios.png")
    print(markdown)
    progress(f"wrote {args.out_dir / 'results.md'}, results.json, ratios.png "
             f"in {time.perf_counter() - started:.0f} s")
    return 0


def progress_summary(entry):
    parts = [f"{impl} {report.format_seconds(entry['median_seconds'][impl])}"
             for impl in entry["median_seconds"]]
    ratio = entry["ratios"]["engine/numpy"]
    if ratio is not None:
        parts.append(f"engine/NumPy {ratio:.2f}×")
    parts += [f"{impl} unavailable: {why}" for impl, why in entry["unavailable"].items()]
    if entry["agreement"]["max"] is not None:
        parts.append(f"outcomes agree to {entry['agreement']['max']:.1e}")
    return ", ".join(parts)


if __name__ == "__main__":
    sys.exit(main())
