"""Exercise 9 retrieval speed: ``python -m bench retrieval``.

Rows (30-bit codes; times are wall-clock on this machine, one process):

* ``radius2_lookup``: all database items within Hamming distance 2 of a query,
  60,000 database codes, per-query latency. Methods: our
  :class:`aelab.retrieval.BucketIndex` (466 XOR probes + binary search, one
  query at a time), brute force (popcount of XOR against all 60,000 codes,
  one query at a time) and faiss ``IndexBinaryFlat.range_search`` (batched
  and one query at a time). Every method must return the same number of hits
  (``hits_agree``).
* ``map``: tie-aware mAP of 10,000 queries against 50,000 codes with
  :func:`aelab.metrics.hashing.mean_average_precision` (packed codes,
  popcount, one bincount per chunk, no Python loop over pairs); next to it,
  the classic sort-based AP (faiss full ranking ``search(k=50,000)`` then
  AP on the sorted labels) on 1,000 queries, scaled to 10,000.

Two code distributions: ``uniform`` (random bits: almost every bucket is a
singleton) and ``clustered`` (codes near 500 centres, like a trained hash,
which makes buckets and radius-2 balls large).
"""

from __future__ import annotations

import time

import numpy as np

from aelab.metrics.hashing import mean_average_precision
from aelab.retrieval import BucketIndex, hamming_distances, pack_bits, to_faiss_bytes

TOPIC = "retrieval"
NUM_BITS = 30
NUM_CLASSES = 10


def make_codes(n: int, kind: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 30) uint8`` bits and ``(n,)`` labels, uniform or clustered around 500 centres."""
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return rng.integers(0, 2, size=(n, NUM_BITS), dtype=np.uint8), rng.integers(0, NUM_CLASSES, n)
    # The same centres for database and queries (seed 0), so queries land near database clusters.
    centres = np.random.default_rng(0).integers(0, 2, size=(500, NUM_BITS), dtype=np.uint8)
    centre_of = rng.integers(0, 500, n)
    flips = rng.random((n, NUM_BITS)) < 0.04  # about one bit flipped per code
    labels = np.where(rng.random(n) < 0.5, centre_of % NUM_CLASSES, rng.integers(0, NUM_CLASSES, n))
    return (centres[centre_of] ^ flips).astype(np.uint8), labels


def _per_query(fn, queries, repeat_until_s: float = 0.5) -> float:
    """Mean seconds per call of ``fn(q)`` over ``queries`` (cycled until ``repeat_until_s``)."""
    fn(queries[0])  # warm-up
    calls, start = 0, time.perf_counter()
    while True:
        for q in queries:
            fn(q)
        calls += len(queries)
        if time.perf_counter() - start >= repeat_until_s:
            return (time.perf_counter() - start) / calls


def _radius2_rows(kind: str) -> list[dict]:
    import faiss

    db_bits, _ = make_codes(60_000, kind, seed=1)
    q_bits, _ = make_codes(200, kind, seed=2)
    db_packed, q_packed = pack_bits(db_bits), pack_bits(q_bits)
    index = BucketIndex(db_packed, NUM_BITS)
    fi = faiss.IndexBinaryFlat(32)
    fi.add(to_faiss_bytes(db_bits))
    q_bytes = to_faiss_bytes(q_bits)

    ours = [index.lookup(code, 2).size for code in q_packed[:, 0]]
    brute = (hamming_distances(q_packed, db_packed) <= 2).sum(axis=1).tolist()
    # faiss's binary range search keeps distances strictly below the radius.
    lims, _, _ = fi.range_search(q_bytes, 3)
    via_faiss = np.diff(lims).tolist()
    agree = ours == brute == via_faiss

    timings = {
        "bucket_index": _per_query(lambda c: index.lookup(c, 2), q_packed[:, 0]),
        "brute_force_numpy": _per_query(
            lambda c: np.flatnonzero(np.bitwise_count(db_packed[:, 0] ^ c) <= 2), q_packed[:, 0]),
        "faiss_range_search_single": _per_query(lambda i: fi.range_search(q_bytes[i:i + 1], 3),
                                                np.arange(len(q_bytes))),
    }
    start = time.perf_counter()
    fi.range_search(q_bytes, 3)
    timings["faiss_range_search_batched"] = (time.perf_counter() - start) / len(q_bytes)
    return [{"task": "radius2_lookup", "codes": kind, "database": 60_000, "method": name,
             "ms_per_query": round(seconds * 1e3, 4), "mean_hits": float(np.mean(ours)),
             "hits_agree": agree, "target": "well under 1 ms/query"}
            for name, seconds in timings.items()]


def _sorted_ap(ranked_labels: np.ndarray, query_labels: np.ndarray) -> float:
    relevant = ranked_labels == query_labels[:, None]
    hits = np.cumsum(relevant, axis=1)
    precision = hits / np.arange(1, relevant.shape[1] + 1)
    return float(((precision * relevant).sum(axis=1) / np.maximum(relevant.sum(axis=1), 1)).mean())


def _map_rows(kind: str) -> list[dict]:
    import faiss

    db_bits, db_labels = make_codes(50_000, kind, seed=3)
    q_bits, q_labels = make_codes(10_000, kind, seed=4)
    start = time.perf_counter()
    ours = mean_average_precision(pack_bits(q_bits), q_labels, pack_bits(db_bits), db_labels,
                                  num_bits=NUM_BITS)
    ours_s = time.perf_counter() - start

    fi = faiss.IndexBinaryFlat(32)
    fi.add(to_faiss_bytes(db_bits))
    subset = 1000
    start = time.perf_counter()
    aps = []
    for s in range(0, subset, 100):  # full ranking of 50,000 per query: memory-bound, chunked
        _, ids = fi.search(to_faiss_bytes(q_bits[s:s + 100]), 50_000)
        aps.append(_sorted_ap(db_labels[ids], q_labels[s:s + 100]))
    sorted_s = (time.perf_counter() - start) * (len(q_bits) / subset)
    return [
        {"task": "map", "codes": kind, "database": 50_000, "queries": 10_000,
         "method": "tie-aware popcount+bincount (ours)", "seconds": round(ours_s, 2),
         "map": round(ours, 4), "target": "a few seconds"},
        {"task": "map", "codes": kind, "database": 50_000, "queries": 10_000,
         "method": "faiss full ranking + sorted AP (1,000 queries, x10)", "seconds": round(sorted_s, 2),
         "map": round(float(np.mean(aps)), 4), "target": "reference (tie order = faiss's)"},
    ]


def run() -> list[dict]:
    rows = []
    for kind in ("uniform", "clustered"):
        rows += _radius2_rows(kind)
    for kind in ("uniform", "clustered"):
        rows += _map_rows(kind)
    return rows
