"""Bucket index over packed codes with exact Hamming-ball lookup.

Items with identical codes share a bucket. The index stores the sorted distinct
codes (``keys``) and, CSR-style, the item ids of every bucket, so a lookup at
radius ``r`` is: XOR the query with every mask of at most ``r`` set bits
(1 + b + b(b-1)/2 masks for r = 2), binary-search those codes among the keys,
and gather the hit buckets. No distance is computed against non-neighbours,
which is why it is fast when buckets are few compared to the database.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import combinations

import numpy as np


@lru_cache(maxsize=32)
def _masks(num_bits: int, radius: int) -> np.ndarray:
    masks = [0]
    for r in range(1, radius + 1):
        for positions in combinations(range(num_bits), r):
            masks.append(sum(1 << p for p in positions))
    out = np.asarray(masks, dtype=np.uint64)
    out.setflags(write=False)
    return out


def hamming_masks(num_bits: int, radius: int) -> np.ndarray:
    """All ``uint64`` masks with at most ``radius`` of ``num_bits`` bits set (0 first)."""
    if not 1 <= num_bits <= 64:
        raise ValueError(f"num_bits must be in 1..64 for single-word codes, got {num_bits}")
    if not 0 <= radius <= 4:
        raise ValueError(f"radius must be in 0..4 (the ball grows as b^r), got {radius}")
    return _masks(num_bits, radius)


def _single_word(packed, name: str) -> np.ndarray:
    packed = np.asarray(packed)
    if packed.ndim == 2 and packed.shape[1] == 1:
        packed = packed[:, 0]
    if packed.ndim != 1 or packed.dtype != np.uint64:
        raise ValueError(
            f"{name} must be (n,) or (n, 1) uint64 packed codes (at most 64 bits), "
            f"got {packed.shape} {packed.dtype}: use aelab.retrieval.pack_bits"
        )
    return packed


class BucketIndex:
    """Buckets of identical codes over a database of ``n`` packed codes.

    Parameters
    ----------
    packed : ``(n,)`` or ``(n, 1)`` uint64, codes of at most 64 bits.
    num_bits : number of meaningful bits (for the lookup masks).
    labels : optional ``(n,)`` int class labels; enables :meth:`ball_class_counts`.
    """

    def __init__(self, packed, num_bits: int, labels=None):
        codes = _single_word(packed, "packed")
        if not 1 <= num_bits <= 64:
            raise ValueError(f"num_bits must be in 1..64, got {num_bits}")
        if codes.size and int(codes.max()) >> num_bits:
            raise ValueError(f"codes have bits set above bit {num_bits - 1}")
        self.num_bits = int(num_bits)
        self.size = int(codes.shape[0])
        self.order = np.argsort(codes, kind="stable")
        sorted_codes = codes[self.order]
        self.keys, self.starts, self.counts = np.unique(
            sorted_codes, return_index=True, return_counts=True
        )
        self.class_counts = None
        if labels is not None:
            labels = np.asarray(labels)
            if labels.shape != (self.size,) or labels.dtype.kind not in "iu":
                raise ValueError(f"labels must be ({self.size},) integers, got {labels.shape} {labels.dtype}")
            if labels.size and labels.min() < 0:
                raise ValueError("labels must be non-negative class ids")
            num_classes = int(labels.max()) + 1 if labels.size else 0
            bucket_of_item = np.repeat(np.arange(self.keys.size), self.counts)
            self.class_counts = np.zeros((self.keys.size, num_classes), dtype=np.int64)
            np.add.at(self.class_counts, (bucket_of_item, labels[self.order]), 1)

    @property
    def num_buckets(self) -> int:
        return int(self.keys.size)

    def _find(self, codes: np.ndarray):
        """Bucket positions of ``codes`` (any shape) and whether each exists."""
        pos = np.searchsorted(self.keys, codes)
        pos = np.minimum(pos, max(self.keys.size - 1, 0))
        found = self.keys[pos] == codes if self.keys.size else np.zeros(codes.shape, bool)
        return pos, found

    def bucket(self, query_code) -> np.ndarray:
        """Item ids whose code equals ``query_code`` (a Python int or uint64)."""
        return self.lookup(query_code, radius=0)

    def lookup(self, query_code, radius: int = 2) -> np.ndarray:
        """Item ids within Hamming distance ``radius`` of one query code, sorted by id."""
        code = np.uint64(query_code)
        probes = code ^ hamming_masks(self.num_bits, radius)
        pos, found = self._find(probes)
        pos = pos[found]
        if pos.size == 0:
            return np.empty(0, dtype=np.int64)
        starts, counts = self.starts[pos], self.counts[pos]
        # Gather every hit bucket's slice of `order` without a Python loop:
        # offsets within each slice come from a cumulative count.
        total = int(counts.sum())
        first = np.repeat(starts - np.cumsum(counts) + counts, counts)
        ids = self.order[first + np.arange(total)]
        return np.sort(ids)

    def ball_class_counts(self, query_packed, radius: int) -> np.ndarray:
        """Per-class counts of database items within ``radius`` of each query.

        ``(nq,)`` uint64 -> ``(nq, num_classes)`` int64. Needs ``labels``.
        """
        if self.class_counts is None:
            raise ValueError("this index was built without labels: pass labels= to BucketIndex")
        queries = _single_word(query_packed, "query_packed")
        masks = hamming_masks(self.num_bits, radius)
        out = np.zeros((queries.size, self.class_counts.shape[1]), dtype=np.int64)
        # Loop over masks (<= 466 for 30 bits, r=2), vectorised over queries.
        for mask in masks:
            pos, found = self._find(queries ^ mask)
            out[found] += self.class_counts[pos[found]]
        return out
