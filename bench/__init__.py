"""Cramp Coach benchmarks, each against its floor in the same run: `python -m bench`."""
