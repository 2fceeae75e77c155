"""Side-by-side benchmarks: tinygrad_edu vs PyTorch (CPU, eager) vs hand-written NumPy.

Run from the repository root:

    python -m benchmarks.run      # all workloads → benchmarks/results.{md,json}, ratios.png
    python -m benchmarks.run --quick --only W1,W4

See benchmarks/README.md for what each workload measures and how.
"""
