"""The :class:`CifarData` container returned by every loader, and the class names."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Official CIFAR-10 label order (label i is CIFAR10_CLASSES[i]); it is also the
# alphabetical order of the names, which is how image-folder copies are labelled.
CIFAR10_CLASSES: tuple[str, ...] = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)

# Fashion-MNIST label order, as published with the IDX files.
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
)


@dataclass(frozen=True, eq=False)
class CifarData:
    """An image-classification dataset split into train and test.

    Attributes:
        x_train: ``(n_train, H, W, C) uint8`` images (CIFAR-10: ``(50000, 32, 32, 3)``;
            Fashion-MNIST: ``(60000, 28, 28, 1)``), values 0..255.
        y_train: ``(n_train,) int64`` labels in ``0 .. len(class_names) - 1``.
        x_test: ``(n_test, H, W, C) uint8`` (CIFAR-10: ``(10000, 32, 32, 3)``).
        y_test: ``(n_test,) int64``.
        class_names: label ``i`` is ``class_names[i]``.
        source: where the data came from (path or URL), for provenance.
        sha256: hex SHA-256 of the source file, or ``None`` when the source is a
            directory (see :func:`aelab.data.checksums.arrays_sha256` for a digest
            of the arrays themselves).
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]
    source: str
    sha256: str | None = None

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            x, y = getattr(self, f"x_{split}"), getattr(self, f"y_{split}")
            if x.dtype != np.uint8 or x.ndim != 4:
                raise ValueError(
                    f"x_{split} must be a (n, H, W, C) uint8 array, got {x.dtype} {x.shape}"
                )
            if y.dtype != np.int64 or y.ndim != 1 or len(y) != len(x):
                raise ValueError(
                    f"y_{split} must be a ({len(x)},) int64 array, got {y.dtype} {y.shape}"
                )
        if not isinstance(self.class_names, tuple):
            object.__setattr__(self, "class_names", tuple(self.class_names))

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, C)`` of one image."""
        return tuple(self.x_train.shape[1:])

    def summary(self) -> dict:
        """Shapes, dtypes, per-class counts and provenance, as plain JSON-able values."""
        return {
            "source": self.source,
            "sha256": self.sha256,
            "class_names": list(self.class_names),
            **{
                f"{name}_{split}": value
                for split in ("train", "test")
                for name, value in (
                    ("x_shape", list(getattr(self, f"x_{split}").shape)),
                    ("x_dtype", str(getattr(self, f"x_{split}").dtype)),
                    ("y_dtype", str(getattr(self, f"y_{split}").dtype)),
                    ("class_counts", np.bincount(getattr(self, f"y_{split}"),
                                                 minlength=self.num_classes).tolist()),
                )
            },
        }
