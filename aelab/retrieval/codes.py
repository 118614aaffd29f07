"""Binary codes: rounding, packing into ``uint64`` words, Hamming distance by popcount.

A *hash* of ``num_bits`` bits is stored packed, little-endian within each word:
bit ``j`` of an item lives in word ``j // 64`` at position ``j % 64``. With at
most 64 bits (the 30-bit hashes of exercise 9) a code is one ``uint64``, which
is also the key of :class:`aelab.retrieval.index.BucketIndex`.
"""

from __future__ import annotations

import numpy as np

WORD_BITS = 64


def binarize(codes, threshold: float = 0.5) -> np.ndarray:
    """Round codes to bits: ``(n, b)`` float in [0, 1] -> ``(n, b)`` uint8 in {0, 1}.

    A bit is 1 when the code is *strictly* above ``threshold``, so an exact 0.5
    gives 0, as ``np.round``/``tf.round`` (round half to even) do.
    """
    codes = np.asarray(codes)
    if codes.ndim != 2:
        raise ValueError(f"codes must be 2-D (n, num_bits), got shape {codes.shape}")
    if codes.dtype.kind not in "fiub":
        raise ValueError(f"codes must be numeric, got dtype {codes.dtype}")
    if codes.dtype.kind == "f" and not np.isfinite(codes).all():
        raise ValueError("codes contain NaN or inf: check the encoder's output")
    return (codes > threshold).astype(np.uint8)


def _check_bits(bits) -> np.ndarray:
    bits = np.asarray(bits)
    if bits.ndim != 2:
        raise ValueError(f"bits must be 2-D (n, num_bits), got shape {bits.shape}")
    if bits.shape[1] == 0:
        raise ValueError("bits must have at least one column")
    if bits.size and not np.isin(bits, (0, 1)).all():
        raise ValueError("bits must contain only 0 and 1: round the codes first (binarize)")
    return bits.astype(np.uint64, copy=False)


def pack_bits(bits) -> np.ndarray:
    """Pack ``(n, b)`` {0, 1} bits into ``(n, ceil(b / 64))`` uint64 words."""
    bits = _check_bits(bits)
    n, num_bits = bits.shape
    num_words = -(-num_bits // WORD_BITS)
    packed = np.zeros((n, num_words), dtype=np.uint64)
    for word in range(num_words):
        chunk = bits[:, word * WORD_BITS:(word + 1) * WORD_BITS]
        # Shifting each column to its place and summing (no overlaps) is one
        # vectorised pass per word instead of a loop over items.
        shifts = np.arange(chunk.shape[1], dtype=np.uint64)
        packed[:, word] = np.bitwise_or.reduce(chunk << shifts, axis=1) if n else 0
    return packed


def unpack_bits(packed, num_bits: int) -> np.ndarray:
    """Inverse of :func:`pack_bits`: ``(n, words)`` uint64 -> ``(n, num_bits)`` uint8."""
    packed = np.asarray(packed)
    if packed.ndim == 1:
        packed = packed[:, None]
    if packed.ndim != 2 or packed.dtype != np.uint64:
        raise ValueError(f"packed must be (n, words) uint64, got {packed.shape} {packed.dtype}")
    if not 0 < num_bits <= packed.shape[1] * WORD_BITS:
        raise ValueError(f"num_bits={num_bits} does not fit in {packed.shape[1]} words")
    positions = np.arange(num_bits)
    words = packed[:, positions // WORD_BITS]
    return ((words >> (positions % WORD_BITS).astype(np.uint64)) & np.uint64(1)).astype(np.uint8)


def _as_words(packed) -> np.ndarray:
    packed = np.asarray(packed)
    if packed.ndim == 1:
        packed = packed[:, None]
    if packed.ndim != 2 or packed.dtype != np.uint64:
        raise ValueError(f"packed codes must be (n, words) uint64, got {packed.shape} {packed.dtype}")
    return packed


def hamming_distances(query_packed, database_packed) -> np.ndarray:
    """All Hamming distances ``(nq, words) x (nd, words) uint64 -> (nq, nd)`` uint16.

    XOR then popcount (``np.bitwise_count``) per word; memory is ``nq * nd``, so
    callers chunk the queries (see :func:`aelab.metrics.hashing.mean_average_precision`).
    """
    query = _as_words(query_packed)
    database = _as_words(database_packed)
    if query.shape[1] != database.shape[1]:
        raise ValueError(f"word counts differ: queries {query.shape[1]}, database {database.shape[1]}")
    dist = np.bitwise_count(query[:, None, 0] ^ database[None, :, 0]).astype(np.uint16)
    for word in range(1, query.shape[1]):
        dist += np.bitwise_count(query[:, None, word] ^ database[None, :, word])
    return dist


def to_faiss_bytes(bits) -> np.ndarray:
    """``(n, b)`` bits -> ``(n, ceil(b / 8))`` uint8 for faiss binary indexes.

    faiss needs a multiple of 8 bits; the padding bits are zero for every item,
    so they never change a Hamming distance.
    """
    bits = _check_bits(bits).astype(np.uint8)
    return np.packbits(bits, axis=1, bitorder="little")
