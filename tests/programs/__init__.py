"""Training programs of our own, each the kind a course on fully connected networks teaches.

Every program is a module with `main(torch, epochs=EPOCHS)`: it takes the library as an
argument (`tinygrad_edu` or the real `torch`), is written in plain PyTorch style, draws its data
and initial weights from NumPy (so both libraries start from the same numbers) and returns the
loss of every epoch.  tests/test_programs.py runs each on both libraries and compares the
losses epoch by epoch.
"""
