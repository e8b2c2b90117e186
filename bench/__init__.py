"""Benchmarks: they print figures and ratios to floors measured in the same run, and never assert timings.

Run them all with `python -m bench.run_all`, or one with e.g. `python -m bench.bench_pricing`, from the
project root.
"""
