"""Binary-code retrieval: packed codes, a bucket index with Hamming-ball lookup, baselines.

- :mod:`aelab.retrieval.codes`: bits <-> packed ``uint64`` words, Hamming distances by popcount.
- :mod:`aelab.retrieval.index`: :class:`BucketIndex` (identical-code buckets, radius-r lookup).
- :mod:`aelab.retrieval.baselines`: random-hyperplane LSH, PCA-sign and PCA-ITQ hashers.
"""

from .baselines import PCAITQ, PCASign, RandomHyperplaneLSH
from .codes import binarize, hamming_distances, pack_bits, to_faiss_bytes, unpack_bits
from .index import BucketIndex, hamming_masks

__all__ = [
    "BucketIndex",
    "PCAITQ",
    "PCASign",
    "RandomHyperplaneLSH",
    "binarize",
    "hamming_distances",
    "hamming_masks",
    "pack_bits",
    "to_faiss_bytes",
    "unpack_bits",
]
