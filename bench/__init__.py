"""Benchmarks (``make bench``): figures side by side with their floor, written to
``bench/results.json``. Not part of ``make test``; ``tests/test_bench_smoke.py`` runs a tiny case."""
