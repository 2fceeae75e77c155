"""Scripts that generate the project's documents (run as ``python -m tools.<name>``)."""
