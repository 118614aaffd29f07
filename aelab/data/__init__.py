"""Datasets as ``uint8`` arrays, and the ``tf.data`` pipeline that feeds them to Keras.

- :func:`load_cifar10` -> :class:`CifarData` (``x_train (50000, 32, 32, 3) uint8`` ...)
  from the official archive (downloaded when absent), a batches directory, or an
  image folder / ``.tar.gz`` of one; decoded arrays are cached.
- :func:`load_fashion_mnist` -> :class:`CifarData` with ``(n, 28, 28, 1) uint8`` images.
- :func:`subsample`: stratified, seeded subsets.
- :func:`make_dataset` (from :mod:`aelab.data.pipeline`): batches as ``float32`` in [0, 1].

``make_dataset`` is imported lazily so that loading data does not import TensorFlow.
"""

from __future__ import annotations

from .dataset import CIFAR10_CLASSES, FASHION_MNIST_CLASSES, CifarData
from .errors import DataError
from .loader import load_cifar10
from .subsample import subsample

__all__ = [
    "CIFAR10_CLASSES",
    "FASHION_MNIST_CLASSES",
    "CifarData",
    "DataError",
    "load_cifar10",
    "load_fashion_mnist",
    "make_dataset",
    "subsample",
]


def __getattr__(name: str):
    if name == "make_dataset":
        from .pipeline import make_dataset

        return make_dataset
    if name == "load_fashion_mnist":
        from .fashion_mnist import load_fashion_mnist

        return load_fashion_mnist
    raise AttributeError(f"module 'aelab.data' has no attribute {name!r}")
