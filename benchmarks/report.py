"""Turn a results document (the JSON that run.py writes) into Markdown and a bar chart."""

from .common import IMPLEMENTATIONS, LABELS

ORDER = ("W1", "W2", "W3", "W3-memory", "W4-matmul", "W4-chain", "imports")
SHORT_TITLES = {
    "W1": "W1 seed Example 1, full batch",
    "W2": "W2 seed Example 1, mini-batches of 32",
    "W3": "W3 784→1024→1024→10, 4096 samples",
    "W3-memory": "W3 peak memory (Δ RSS over imports + data)",
    "W4-matmul": "W4 2×2 `a @ b` recorded, per call",
    "W4-chain": "W4 100-op chain + backward, per chain",
    "imports": "`import` in a fresh process (best of 3)",
}
COLUMNS = ("numpy", "torch", "engine")  # table column order: baseline first


def format_seconds(seconds):
    if seconds is None:
        return "—"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.2f} µs"


def format_bytes(count):
    return "—" if count is None else f"{count / 2**20:.1f} MiB"


def format_ratio(ratio):
    return "—" if ratio is None else f"{ratio:.2f}×"


def format_value(value):
    return "—" if value is None else f"{value:.6g}"


def status(passed):
    return "—" if passed is None else ("PASS" if passed else "FAIL")


def _floor_for(document, entry, metric):
    for row in document["floors"]:
        if row["entry"] == entry and row["metric"] == metric:
            return row
    return None


def _row_values(entry_key, data):
    """The three measured values of a table row and how to print them."""
    if entry_key == "W3-memory":
        return ({impl: m.get("delta_rss_bytes") for impl, m in data["per_impl"].items()},
                format_bytes)
    if entry_key == "imports":
        return data["best_seconds"], format_seconds
    return data["median_seconds"], format_seconds


def markdown(document):
    results = document["results"]
    env = document["environment"]
    threads = env["threads"]
    blas = threads["numpy_blas"]
    lines = ["# Benchmarks: tinygrad_edu vs PyTorch vs hand-written NumPy", ""]
    if document["quick"]:
        lines += ["**Quick run** (`--quick`: fewer epochs, steps and repeats): a smoke check, "
                  "not a measurement.", ""]
    lines += [
        f"`{document['command'].strip()}` on {document['date']}"
        f" — {env['cpu']}, {env['cpu_count']} cores, Python {env['python']}, "
        f"NumPy {env['numpy']} ({blas.get('library')}, {blas.get('threads')} BLAS threads), "
        f"PyTorch {env['torch']} ({threads['torch']} threads), tinygrad_edu "
        f"{env['tinygrad_edu']} at {env['git_commit'] or 'unknown commit'}.{_load_text(env)}",
        "",
        *_load_warning(env),
        "Times are medians of interleaved repeats (engine, PyTorch, NumPy, engine, …) after one "
        "warm-up run each; ratios are of medians; lower is better. Floors are issue 6's, W4's as issue 14 set them.",
        "",
        "| workload | NumPy (by hand) | PyTorch | tinygrad_edu | engine / NumPy | floor | "
        "status | engine / PyTorch | PyTorch / NumPy |",
        "|---|---:|---:|---:|---:|---:|:---:|---:|---:|",
    ]
    for key in ORDER:
        if key not in results:
            continue
        data = results[key]
        values, fmt = _row_values(key, data)
        ratios = data["ratios"]
        if key == "imports":
            floor = _floor_for(document, key, "engine_seconds")
            floor_text = f"engine ≤ {floor['floor']} s" if floor else "—"
        else:
            floor = _floor_for(document, key, "engine/numpy")
            floor_text = f"≤ {floor['floor']}×" if floor else "—"
        repeats = f" ({data['repeats']} repeats)" if "repeats" in data else ""
        lines.append(
            f"| {SHORT_TITLES[key]}{repeats} | "
            + " | ".join(fmt(values.get(impl)) for impl in COLUMNS)
            + f" | {format_ratio(ratios['engine/numpy'])} | {floor_text} | "
            f"{status(floor['pass']) if floor else '—'} | {format_ratio(ratios['engine/torch'])}"
            f" | {format_ratio(ratios['torch/numpy'])} |")

    timed = [k for k in ORDER if k in results and "agreement" in results[k]]
    if timed:
        lines += ["", "## Final losses and outcome agreement", "",
                  "Outcome: the final loss for W1–W3; for W4 the product, or Σx and the "
                  "gradients of a and b. Agreement is max|u − v| / max(|u|, |v|) over the "
                  "pairs of implementations.", "",
                  "| workload | NumPy (by hand) | PyTorch | tinygrad_edu | largest relative "
                  "difference | tolerance | status |",
                  "|---|---:|---:|---:|---:|---:|:---:|"]
        for key in timed:
            data = results[key]
            shown = data["final_loss"] or {impl: o.get("out") for impl, o in
                                           data["outcome"].items()}
            agreement = data["agreement"]
            lines.append(
                f"| {key} | " + " | ".join(format_value(shown.get(impl)) for impl in COLUMNS)
                + f" | {format_value(agreement['max'])} | {agreement['tolerance']:g} | "
                f"{status(agreement['agree'])} |")
        notes = [f"- {key}: {results[key]['note']}" for key in timed if results[key]["note"]]
        lines += [""] + notes if notes else []

    if "W3-memory" in results:
        lines += ["", "## W3 peak memory, each implementation in its own process", "",
                  "| implementation | peak RSS (VmHWM) | RSS after imports + data | "
                  "Δ (training) | run time |", "|---|---:|---:|---:|---:|"]
        for impl in COLUMNS:
            m = results["W3-memory"]["per_impl"].get(impl, {})
            if "error" in m:
                lines.append(f"| {LABELS[impl]} | failed: {m['error']} | | | |")
                continue
            lines.append(f"| {LABELS[impl]} | {format_bytes(m.get('peak_rss_bytes'))} | "
                         f"{format_bytes(m.get('baseline_rss_bytes'))} | "
                         f"{format_bytes(m.get('delta_rss_bytes'))} | "
                         f"{format_seconds(m.get('seconds'))} |")
        raw = results["W3-memory"]["raw_peak_ratios"]
        lines += ["", f"Raw peak RSS ratios: engine / NumPy {format_ratio(raw['engine/numpy'])}"
                      f", engine / PyTorch {format_ratio(raw['engine/torch'])}. "
                      "The floor applies to Δ, the memory the training itself takes. Peak RSS is "
                      "Linux's VmHWM: getrusage's ru_maxrss carries the parent's size over "
                      "fork and exec, so it overstates a child started by this harness."]

    if "W5" in results:
        w5 = results["W5"]
        median, ratio = w5["median_seconds"], w5["hvp_over_gradient"]
        lines += ["", "## W5: gradients of gradients (issue 16)", "",
                  f"{w5['title']}; medians of {w5['repeats']} interleaved rounds of "
                  f"{w5['calls_per_run']} calls. The HVP is `autograd.functional.hvp` (the "
                  "gradient recorded with create_graph=True, then differentiated again); no "
                  "floor, reported as issue 16 asks.", "",
                  "| library | gradient | HVP | HVP ÷ gradient |", "|---|---:|---:|---:|"]
        for impl in ("engine", "torch"):
            lines.append(f"| {LABELS[impl]} | {format_seconds(median[impl]['gradient'])} | "
                         f"{format_seconds(median[impl]['hvp'])} | {format_ratio(ratio[impl])} |")
        lines += ["", f"The engine's ratio is {format_ratio(w5['engine_ratio_over_torch_ratio'])}"
                      f" PyTorch's. HVPs agree to {format_value(w5['agreement']['max'])} "
                      f"(relative; tolerance {w5['agreement']['tolerance']:g}): "
                      f"{status(w5['agreement']['agree'])}."]

    if "imports" in results:
        imports = results["imports"]
        lines += ["", "## Import time (fresh interpreter, NumPy's import included)", "",
                  "| module | best | all tries |", "|---|---:|---|"]
        for impl in IMPLEMENTATIONS:
            lines.append(f"| `{imports['modules'][impl]}` | "
                         f"{format_seconds(imports['best_seconds'][impl])} | "
                         + ", ".join(format_seconds(s) for s in imports["seconds"][impl]) + " |")
        compiling = imports.get("engine_compile_from_source")
        if compiling:
            lines += ["", "Each import reads bytecode: pip compiled NumPy's and PyTorch's when it "
                          "installed them, and the harness compiles the engine's first. Compiling "
                          f"the {compiling['modules']} modules `import tinygrad_edu` loads "
                          f"({compiling['lines']:,} lines) from source takes "
                          f"{format_seconds(compiling['seconds'])}: what each import adds where "
                          "no bytecode is written (PYTHONDONTWRITEBYTECODE=1 and an editable "
                          "install). Not a floor."]

    lines += ["", "## How each implementation is written", ""]
    for key in ORDER:
        if key in results and "code_path" in results[key]:
            data = results[key]
            unavailable = "".join(f"; **{impl} unavailable**: {why}"
                                  for impl, why in data["unavailable"].items())
            lines.append(f"- {key} ({data['title']}): engine and PyTorch: "
                         f"{data['code_path']['engine']}; NumPy: {data['code_path']['numpy']}"
                         f"{unavailable}.")
    lines += ["", f"Threads (libraries' defaults): PyTorch {threads['torch']} intra-op, "
                  f"{threads['torch_interop']} inter-op; NumPy BLAS {blas.get('threads')} "
                  f"(read via {blas.get('source')}; environment "
                  f"{blas.get('env') or 'sets none'}).", ""]
    return "\n".join(lines)


def _load_text(env):
    start, end = env.get("load_average_at_start"), env.get("load_average_at_end")
    if start is None:
        return ""
    end_text = "" if end is None else f", {end:.2f} at the end (counting this run's own threads)"
    return f" 1-minute load average {start:.2f} at the start{end_text}."


def _load_warning(env):
    """Lines warning that other processes shared the CPU: a 1-minute load average of 0.5 a core
    or more when the run started.  (The reading at the end counts this run's own threads: W3
    keeps both cores busy, so it is shown but not judged.)"""
    start, end = env.get("load_average_at_start"), env.get("load_average_at_end")
    if start is None or start < 0.5 * env["cpu_count"]:
        return []
    shown_end = "—" if end is None else f"{end:.2f}"
    return [f"**Busy machine**: 1-minute load average {start:.2f} at the start ({shown_end} at "
            f"the end) on {env['cpu_count']} cores; other processes shared the CPU and the "
            "timings are noisy (PyTorch's thread pool suffers most). Rerun on an idle machine.",
            ""]


def bar_chart(document, path):
    """Grouped bars of engine/NumPy, PyTorch/NumPy and engine/PyTorch, floors marked."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = document["results"]
    keys = [k for k in ORDER if k in results and k != "imports"]
    series = [("engine/numpy", "tinygrad_edu / NumPy", "tab:blue"),
              ("torch/numpy", "PyTorch / NumPy", "tab:orange"),
              ("engine/torch", "tinygrad_edu / PyTorch", "tab:green")]
    width = 0.27
    fig, ax = plt.subplots(figsize=(max(6, 1.6 * len(keys) + 2), 5.4))
    for offset, (metric, label, color) in enumerate(series):
        xs = [i + (offset - 1) * width for i in range(len(keys))]
        heights = [results[k]["ratios"][metric] or 0 for k in keys]
        bars = ax.bar(xs, heights, width, label=label, color=color)
        for bar, height in zip(bars, heights):
            if height:
                ax.annotate(f"{height:.2f}", (bar.get_x() + bar.get_width() / 2, height),
                            ha="center", va="bottom", fontsize=7)
    floor_label = "floor for tinygrad_edu / NumPy"
    for i, key in enumerate(keys):
        floor = _floor_for(document, key, "engine/numpy")
        if floor:
            ax.hlines(floor["floor"], i - 1.5 * width, i - 0.5 * width, colors="black",
                      linewidth=2, label=floor_label)
            floor_label = None
    ax.axhline(1.0, color="gray", linewidth=0.8, linestyle="--")
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(matplotlib.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xticks(range(len(keys)))
    ax.set_xticklabels(keys)
    ax.set_ylabel("ratio of medians (W3-memory: of Δ RSS); lower is better", fontsize=9)
    title = "tinygrad_edu vs PyTorch vs hand-written NumPy"
    ax.set_title(title + (" (quick run)" if document["quick"] else "")
                 + (" (busy machine: noisy)" if _load_warning(document["environment"]) else ""))
    ax.legend(fontsize=8, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.08))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
