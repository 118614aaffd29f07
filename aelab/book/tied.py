"""Tied weights in Keras (Q5): a decoder layer that reuses an encoder kernel, transposed."""

from __future__ import annotations

import keras
from keras import ops


class DenseTranspose(keras.layers.Layer):
    """Dense layer whose kernel is the transpose of another ``Dense`` layer's kernel.

    Input ``(batch, dense.units) float32`` -> output ``(batch, dense's input size)``.
    Only the bias is a new weight; the kernel is the same variable as ``dense.kernel``.
    """

    def __init__(self, dense: keras.layers.Dense, activation=None, **kwargs):
        super().__init__(**kwargs)
        self.dense = dense
        self.activation = keras.activations.get(activation)

    def build(self, batch_input_shape):
        self.bias = self.add_weight(
            name="bias", shape=(self.dense.kernel.shape[0],), initializer="zeros"
        )

    def call(self, inputs):
        return self.activation(ops.matmul(inputs, ops.transpose(self.dense.kernel)) + self.bias)


def stacked_autoencoder(tied: bool, input_size: int = 256) -> keras.Model:
    """Autoencoder ``input_size``-100-30-100-``input_size``, decoder tied to encoder or not."""
    inputs = keras.Input(shape=(input_size,))
    dense_1 = keras.layers.Dense(100, activation="relu")
    dense_2 = keras.layers.Dense(30, activation="relu")
    codings = dense_2(dense_1(inputs))
    if tied:  # W_3 = W_2^T and W_4 = W_1^T
        hidden = DenseTranspose(dense_2, activation="relu")(codings)
        outputs = DenseTranspose(dense_1, activation="sigmoid")(hidden)
    else:
        hidden = keras.layers.Dense(100, activation="relu")(codings)
        outputs = keras.layers.Dense(input_size, activation="sigmoid")(hidden)
    return keras.Model(inputs, outputs)
