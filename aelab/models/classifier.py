"""CIFAR-10 classifier that reuses an encoder's layers (Exercise 8).

``build_classifier(encoder)`` stacks a small convolutional *head* on top of an
encoder (for example the one of :func:`aelab.models.dae.build_dae`):

    images (n, 32, 32, 3) float32 [0,1]
      -> RandomFlip (training only)
      -> encoder -> (n, 8, 8, c) codings
      -> head: Conv-BN-ReLU, MaxPool, Conv-BN-ReLU, GlobalAveragePooling, Dropout, Dense softmax
      -> (n, 10) float32 class probabilities

Three ways to use the encoder, same architecture in every case:

* pretrained and **frozen** (``encoder.trainable = False``; its BatchNorm layers
  then also run in inference mode, as Keras 3 does for frozen BN);
* pretrained, frozen first and then **fine-tuned** (:func:`unfreeze_encoder`,
  recompiled with a smaller learning rate);
* **from scratch**: :func:`fresh_copy` gives the same encoder architecture with
  newly initialised weights.

The head is also available alone (:func:`build_head`) so a frozen encoder's
codings can be computed once and cached: training the head on cached codings
gives the same model as training the whole classifier with the encoder frozen.
"""

from __future__ import annotations

import keras
from keras import layers

# Keras' default 0.99 needs ~500 steps before the moving statistics used at
# inference match the data; short CPU runs (a few hundred steps) need 0.9.
BN_MOMENTUM = 0.9


def build_head(
    coding_shape: tuple[int, int, int],
    *,
    num_classes: int = 10,
    filters: tuple[int, int] = (128, 256),
    dropout: float = 0.3,
    name: str = "head",
) -> keras.Model:
    """Head ``(n, *coding_shape) float32 -> (n, num_classes) float32`` softmax probabilities."""
    if num_classes < 2:
        raise ValueError(f"num_classes must be >= 2, got {num_classes}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout}")
    inputs = keras.Input(shape=tuple(coding_shape), name="codings")
    x = inputs
    for index, width in enumerate(filters):
        if index > 0:
            x = layers.MaxPooling2D(name=f"head_pool{index}")(x)
        x = layers.Conv2D(width, 3, padding="same", use_bias=False, name=f"head_conv{index + 1}")(x)
        x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=f"head_bn{index + 1}")(x)
        x = layers.ReLU(name=f"head_relu{index + 1}")(x)
    x = layers.GlobalAveragePooling2D(name="head_gap")(x)
    x = layers.Dropout(dropout, name="head_dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(inputs, outputs, name=name)


def build_classifier(
    encoder: keras.Model,
    *,
    num_classes: int = 10,
    head: keras.Model | None = None,
    freeze_encoder: bool = True,
    flip_augmentation: bool = True,
    learning_rate: float = 2e-3,
    seed: int | None = None,
    name: str = "classifier",
) -> keras.Model:
    """Classifier ``(n, 32, 32, 3) float32 [0,1] -> (n, num_classes) float32`` probabilities.

    The encoder's layers are *shared* (not copied): pass :func:`fresh_copy` of
    it for a from-scratch control. ``head`` lets a head already trained on
    cached codings be reused. The model is compiled with Adam and sparse
    categorical cross-entropy (integer labels ``(n,) int``) and an accuracy metric.
    """
    coding_shape = tuple(encoder.output.shape[1:])
    if head is None:
        head = build_head(coding_shape, num_classes=num_classes)
    elif tuple(head.input.shape[1:]) != coding_shape:
        raise ValueError(f"head expects codings of shape {tuple(head.input.shape[1:])}, "
                         f"the encoder produces {coding_shape}")
    encoder.trainable = not freeze_encoder
    inputs = keras.Input(shape=tuple(encoder.input.shape[1:]), name="images")
    x = inputs
    if flip_augmentation:
        # Mirror images are equally valid CIFAR-10 images: a free augmentation, training only.
        x = layers.RandomFlip("horizontal", seed=seed, name="flip")(x)
    # A pretrained encoder keeps its BatchNorm statistics even once unfrozen for
    # fine-tuning (training=False, as the Keras transfer-learning guide does); a
    # from-scratch encoder must learn them, so it runs BN in training mode.
    outputs = head(encoder(x, training=False) if freeze_encoder else encoder(x))
    model = keras.Model(inputs, outputs, name=name)
    compile_classifier(model, learning_rate)
    return model


def compile_classifier(model: keras.Model, learning_rate: float) -> None:
    """(Re)compile with Adam + sparse categorical cross-entropy; needed after (un)freezing."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )


def unfreeze_encoder(model: keras.Model, encoder: keras.Model, *, learning_rate: float = 3e-4) -> None:
    """Make ``encoder`` (a layer of ``model``) trainable and recompile ``model`` for fine-tuning.

    The smaller learning rate keeps the pretrained weights from being wiped out
    by the first large gradients.
    """
    encoder.trainable = True
    compile_classifier(model, learning_rate)


def fresh_copy(model: keras.Model) -> keras.Model:
    """Same architecture as ``model`` with newly initialised weights (for from-scratch runs)."""
    copy = keras.models.clone_model(model)
    copy.trainable = True
    return copy
