"""Benchmarks: ``python -m bench [topic ...]`` runs ``bench/bench_<topic>.py``.

Each module exposes ``run() -> list[dict]``: one dict per measured row (same keys
in every row of a module). The runner prints each module's rows as an aligned
table and writes them to ``bench/out/<topic>.json`` with the run's provenance.
Speed and quality targets live here, never in timed unit tests.
"""
