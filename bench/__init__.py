"""Benchmarks (`make bench`): each `bench/bench_<name>.py` exposes `run() -> str`, a Markdown section."""
