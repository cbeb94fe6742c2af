"""Benchmarks: `python -m bench` from the project root (see docs/performance.md)."""
