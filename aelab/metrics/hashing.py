"""Metrics of binary hashes: bucket purity, retrieval quality, bit statistics.

Conventions. ``bits`` are ``(n, b)`` uint8 in {0, 1}; ``packed`` are the
``uint64`` words of :func:`aelab.retrieval.pack_bits`; ``labels`` are ``(n,)``
integer class ids. Every function that pairs hashes with labels checks that
they have the same length: hashes and labels must come from the *same* images
(pairing test hashes with training labels is a classic bug).

Purity. A bucket is a set of images with the same hash. Its Gini purity is
``sum_c p_c**2`` (the probability that two images drawn from it with
replacement share a class; 1 - Gini impurity). The *size-weighted* Gini purity
of a hashing is ``sum_b (n_b / N) * purity_b``, i.e. every image counts once.
The unweighted mean over buckets is wrong: with 30 bits most buckets hold one
image and score 1. Even size-weighted, singletons score 1, so the singleton
share is always reported next to it, as is the purity over images in buckets
of two or more (``min_bucket_size=2``).

Ranking with ties. Hamming distances take only b + 1 values, so many database
items tie. Precision@k and average precision are computed *tie-aware*: their
expectation over a uniformly random order within each tie group (McFee &
Lanckriet 2009), in closed form from per-distance counts, so the result does
not depend on how a sort breaks ties.
"""

from __future__ import annotations

import numpy as np

from ..retrieval.codes import _as_words, pack_bits
from ..retrieval.index import BucketIndex


def _labels(labels, n: int, name: str = "labels") -> np.ndarray:
    labels = np.asarray(labels)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or labels.dtype.kind not in "iu":
        raise ValueError(f"{name} must be (n,) integer class ids, got {labels.shape} {labels.dtype}")
    if labels.shape[0] != n:
        raise ValueError(
            f"{name} has {labels.shape[0]} entries but there are {n} hashes: hashes and labels "
            "must come from the same images (e.g. test hashes with test labels)"
        )
    if n and labels.min() < 0:
        raise ValueError(f"{name} must be non-negative class ids")
    return labels.astype(np.int64)


def _bits(bits) -> np.ndarray:
    bits = np.asarray(bits)
    if bits.ndim != 2 or (bits.size and not np.isin(bits, (0, 1)).all()):
        raise ValueError(f"bits must be (n, b) with values in {{0, 1}}, got shape {bits.shape}")
    return bits.astype(np.uint8, copy=False)


def _bucket_ids(bits) -> tuple[np.ndarray, np.ndarray]:
    """Bucket id of every row of ``bits`` and the bucket sizes."""
    bits = _bits(bits)
    if bits.shape[0] == 0:
        raise ValueError("no hashes given")
    _, inverse, counts = np.unique(bits, axis=0, return_inverse=True, return_counts=True)
    return inverse.reshape(-1), counts


def bucket_sizes(bits) -> np.ndarray:
    """Sizes ``(num_buckets,)`` int64 of the buckets of identical rows of ``bits``."""
    return _bucket_ids(bits)[1].astype(np.int64)


def singleton_share(bits) -> float:
    """Fraction of images that are alone in their bucket."""
    sizes = bucket_sizes(bits)
    return float((sizes == 1).sum() / sizes.sum())


def bucket_size_distribution(bits) -> dict:
    """Summary of bucket sizes: counts, mean/median/max size, share of images per size range."""
    sizes = bucket_sizes(bits)
    n = sizes.sum()
    ranges = {"1": (1, 1), "2-10": (2, 10), "11-100": (11, 100), ">100": (101, np.inf)}
    return {
        "num_images": int(n),
        "num_buckets": int(sizes.size),
        "mean_size": float(sizes.mean()),
        "median_size": float(np.median(sizes)),
        "max_size": int(sizes.max()),
        "image_share_by_size": {
            name: float(sizes[(sizes >= lo) & (sizes <= hi)].sum() / n) for name, (lo, hi) in ranges.items()
        },
    }


def gini_purity(bits, labels, *, radius: int = 0, min_bucket_size: int = 1) -> float:
    """Size-weighted Gini purity of the hashing of one set of images.

    ``bits (n, b) {0,1}``, ``labels (n,) int`` (same images). At ``radius`` 0 the
    groups are the buckets: ``sum_b n_b/N * sum_c (n_bc/n_b)**2``. At radius r
    each image's group is every image of the set within Hamming distance r of
    its code (itself included), and the purities of these groups are averaged
    over images (which reduces to the formula above at r = 0).
    ``min_bucket_size=2`` leaves out images alone in their bucket.
    """
    bits = _bits(bits)
    labels = _labels(labels, bits.shape[0])
    if bits.shape[0] == 0:
        raise ValueError("no hashes given")
    if min_bucket_size < 1:
        raise ValueError("min_bucket_size must be >= 1")
    bucket_of, sizes = _bucket_ids(bits)
    num_classes = int(labels.max()) + 1
    counts = np.zeros((sizes.size, num_classes), dtype=np.int64)
    np.add.at(counts, (bucket_of, labels), 1)
    if radius > 0:
        if bits.shape[1] > 64:
            raise ValueError("radius > 0 needs codes of at most 64 bits")
        packed = pack_bits(bits)[:, 0]
        index = BucketIndex(packed, bits.shape[1], labels=labels)
        first = np.unique(bucket_of, return_index=True)[1]
        counts = index.ball_class_counts(packed[first], radius)
    totals = counts.sum(axis=1, keepdims=True)
    purity = ((counts / totals) ** 2).sum(axis=1)
    weights = np.where(sizes >= min_bucket_size, sizes, 0)
    if weights.sum() == 0:
        return float("nan")
    return float((purity * weights).sum() / weights.sum())


def _db_index(db_packed, db_labels, num_bits) -> tuple[BucketIndex, np.ndarray]:
    db_words = _as_words(db_packed)
    db_labels = _labels(db_labels, db_words.shape[0], "db_labels")
    return BucketIndex(db_words, num_bits, labels=db_labels), db_labels


def hash_lookup_precision(query_packed, query_labels, db_packed, db_labels, *, num_bits: int,
                          radius: int = 2) -> dict:
    """Hash lookup: precision of the database items within ``radius`` of each query.

    Queries (e.g. test images) against a database (e.g. training images).
    Returns ``precision`` (mean over queries with at least one hit of the
    fraction of hits sharing the query's class), ``gini_purity`` (mean Gini
    purity of the retrieved sets, same queries), ``hit_rate`` (share of
    queries with a hit) and ``precision_with_misses`` (queries without a hit
    count 0, as in Salakhutdinov & Hinton's and most hashing papers' tables).
    """
    query_words = _as_words(query_packed)
    query_labels = _labels(query_labels, query_words.shape[0], "query_labels")
    index, _ = _db_index(db_packed, db_labels, num_bits)
    counts = index.ball_class_counts(query_words, radius)
    if counts.shape[1] <= query_labels.max():
        counts = np.pad(counts, ((0, 0), (0, query_labels.max() + 1 - counts.shape[1])))
    totals = counts.sum(axis=1)
    hit = totals > 0
    same = counts[np.arange(len(counts)), query_labels]
    precision = np.where(hit, same / np.maximum(totals, 1), 0.0)
    purity = np.where(hit, ((counts / np.maximum(totals, 1)[:, None]) ** 2).sum(axis=1), 0.0)
    return {
        "radius": int(radius),
        "precision": float(precision[hit].mean()) if hit.any() else float("nan"),
        "gini_purity": float(purity[hit].mean()) if hit.any() else float("nan"),
        "hit_rate": float(hit.mean()),
        "precision_with_misses": float(precision.mean()),
        "mean_retrieved": float(totals.mean()),
    }


def _distance_class_histograms(query_words, query_labels, db_words, db_labels, num_bits,
                               chunk_size):
    """Yield ``(total, relevant)`` per chunk: ``(chunk, num_bits + 1)`` counts by Hamming distance."""
    levels = num_bits + 1
    num_classes = int(max(db_labels.max(), query_labels.max())) + 1
    for start in range(0, query_words.shape[0], chunk_size):
        q = query_words[start:start + chunk_size]
        dist = np.bitwise_count(q[:, None, 0] ^ db_words[None, :, 0]).astype(np.int64)
        for word in range(1, q.shape[1]):
            dist += np.bitwise_count(q[:, None, word] ^ db_words[None, :, word])
        # One bincount over (query, distance, database class) keys gives every
        # histogram at once; no Python loop over query/database pairs.
        rows = np.arange(q.shape[0], dtype=np.int64)[:, None] * (levels * num_classes)
        dist *= num_classes
        dist += rows
        dist += db_labels[None, :]
        hist = np.bincount(dist.ravel(), minlength=q.shape[0] * levels * num_classes)
        hist = hist.reshape(q.shape[0], levels, num_classes)
        total = hist.sum(axis=2)
        relevant = hist[np.arange(q.shape[0]), :, query_labels[start:start + chunk_size]]
        yield total, relevant


def _check_protocol(query_packed, query_labels, db_packed, db_labels, num_bits):
    query_words = _as_words(query_packed)
    db_words = _as_words(db_packed)
    if query_words.shape[1] != db_words.shape[1]:
        raise ValueError("queries and database have different word counts")
    if not 1 <= num_bits <= 64 * db_words.shape[1]:
        raise ValueError(f"num_bits={num_bits} does not match {db_words.shape[1]} words")
    if db_words.shape[0] == 0 or query_words.shape[0] == 0:
        raise ValueError("need at least one query and one database item")
    return (query_words, _labels(query_labels, query_words.shape[0], "query_labels"),
            db_words, _labels(db_labels, db_words.shape[0], "db_labels"))


def ranking_metrics(query_packed, query_labels, db_packed, db_labels, *, num_bits: int, ks=(),
                    chunk_size: int = 256) -> dict:
    """Tie-aware AP per query and precision@k, from one pass over the Hamming distances.

    Returns ``{"map": float, "per_query_ap": (nq,) float64, "precision_at_k": {k: float}}``.
    See :func:`mean_average_precision` and :func:`precision_at_k` for the definitions.
    """
    ks = [int(v) for v in ks]
    query_words, query_labels, db_words, db_labels = _check_protocol(
        query_packed, query_labels, db_packed, db_labels, num_bits)
    if any(v < 1 or v > db_words.shape[0] for v in ks):
        raise ValueError(f"k must be in 1..{db_words.shape[0]}, got {ks}")
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, db_words.shape[0] + 1))])
    per_query, sums = [], dict.fromkeys(ks, 0.0)
    for total, relevant in _distance_class_histograms(
            query_words, query_labels, db_words, db_labels, num_bits, chunk_size):
        cum_total, cum_rel = np.cumsum(total, axis=1), np.cumsum(relevant, axis=1)
        before, relevant_before = cum_total - total, cum_rel - relevant
        d_h = harmonic[before + total] - harmonic[before]
        n, r = total.astype(np.float64), relevant.astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            within = np.where(n > 1, (r - 1) / (n - 1), 0.0) * (n - (before + 1) * d_h)
            group = np.where(n > 0, r / n * ((relevant_before + 1) * d_h + within), 0.0)
        num_relevant = relevant.sum(axis=1)
        per_query.append(np.where(num_relevant > 0, group.sum(axis=1) / np.maximum(num_relevant, 1), 0.0))
        rows = np.arange(total.shape[0])
        for v in ks:
            level = (cum_total < v).sum(axis=1)  # first level whose cumulative count reaches k
            frac = relevant[rows, level] / np.maximum(total[rows, level], 1)
            sums[v] += float(((relevant_before[rows, level] + (v - before[rows, level]) * frac) / v).sum())
    per_query = np.concatenate(per_query)
    return {"map": float(per_query.mean()), "per_query_ap": per_query,
            "precision_at_k": {v: sums[v] / query_words.shape[0] for v in ks}}


def mean_average_precision(query_packed, query_labels, db_packed, db_labels, *, num_bits: int,
                           chunk_size: int = 256, return_per_query: bool = False):
    """Tie-aware mean average precision over the whole database ranked by Hamming distance.

    ``query_packed (nq, words) uint64`` with ``query_labels (nq,)`` against
    ``db_packed (nd, words) uint64`` with ``db_labels (nd,)``; relevant = same
    class. For a tie group of ``n`` items (``r`` relevant) preceded by ``N``
    items (``R`` relevant), the expected sum of precisions at its relevant
    items under a random order within the group is
    ``r/n * [(R + 1) * dH + (r - 1)/(n - 1) * (n - (N + 1) * dH)]`` with
    ``dH = H(N + n) - H(N)`` (harmonic numbers). Queries with no relevant item
    have AP 0.
    """
    out = ranking_metrics(query_packed, query_labels, db_packed, db_labels, num_bits=num_bits,
                          chunk_size=chunk_size)
    return (out["map"], out["per_query_ap"]) if return_per_query else out["map"]


def precision_at_k(query_packed, query_labels, db_packed, db_labels, *, num_bits: int, k,
                   chunk_size: int = 256) -> dict:
    """Tie-aware precision of the ``k`` nearest database items by Hamming distance.

    ``k`` is an int or a list of ints; returns ``{k: mean precision}``. The tie
    group that straddles rank ``k`` contributes its fraction of relevant items.
    """
    ks = [int(k)] if np.isscalar(k) else [int(v) for v in k]
    return ranking_metrics(query_packed, query_labels, db_packed, db_labels, num_bits=num_bits,
                           ks=ks, chunk_size=chunk_size)["precision_at_k"]


def bit_balance(bits) -> np.ndarray:
    """Share of ones per bit ``(b,)`` float64; 0.5 is a balanced bit, 0 or 1 a wasted one."""
    return _bits(bits).mean(axis=0, dtype=np.float64)


def bit_correlation(bits) -> tuple[np.ndarray, float]:
    """Pearson correlation matrix ``(b, b)`` of the bits and its mean absolute off-diagonal.

    Constant bits get correlation 0 (not NaN) with every other bit.
    """
    bits = _bits(bits).astype(np.float64)
    centred = bits - bits.mean(axis=0)
    std = centred.std(axis=0)
    safe = np.where(std > 0, std, 1.0)
    corr = (centred / safe).T @ (centred / safe) / bits.shape[0]
    corr[:, std == 0] = 0.0
    corr[std == 0, :] = 0.0
    np.fill_diagonal(corr, 1.0)
    b = bits.shape[1]
    off = np.abs(corr[~np.eye(b, dtype=bool)])
    return corr, float(off.mean()) if off.size else 0.0


def saturation_histogram(codes, num_bins: int = 20) -> dict:
    """Histogram of coding-unit activations before rounding.

    ``codes (n, b)`` float in [0, 1] -> ``counts`` (num_bins,), ``edges``
    (num_bins + 1,), and ``saturated_share``: share of activations below 0.1
    or above 0.9 (how little rounding changes them).
    """
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or not np.isfinite(codes).all():
        raise ValueError("codes must be a finite (n, b) array")
    if codes.min() < 0 or codes.max() > 1:
        raise ValueError("codes must lie in [0, 1] (sigmoid outputs)")
    counts, edges = np.histogram(codes, bins=num_bins, range=(0.0, 1.0))
    return {
        "counts": counts,
        "edges": edges,
        "saturated_share": float(((codes < 0.1) | (codes > 0.9)).mean()),
    }
