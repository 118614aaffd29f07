"""ex08 probes: call the student's functions on grading-time inputs (inside the sandbox).

Only numpy and keras here (``aelab`` is not importable in the sandbox).
"""

import os

import numpy as np


def _plain(value, dtype=None):
    """A plain ndarray (object arrays would need pickle and are refused by the checks)."""
    return np.asarray(value, dtype=dtype)


def probe_loader(namespace, inputs_dir, out_prefix):
    load = namespace["load_cifar10_batches"]
    arrays = {}
    for tag in ("a", "b"):
        x_train, y_train, x_test, y_test, names = load(
            os.path.join(inputs_dir, f"loader_{tag}", "cifar-10-batches-py"))
        arrays.update({f"{tag}_x_train": _plain(x_train), f"{tag}_y_train": _plain(y_train),
                       f"{tag}_x_test": _plain(x_test), f"{tag}_y_test": _plain(y_test),
                       f"{tag}_names": np.array([str(n) for n in names]) if all(
                           isinstance(n, str) for n in names) else np.array([repr(n) for n in names])})
    np.savez(out_prefix + ".npz", **arrays)


def probe_dae(namespace, inputs_dir, out_prefix):
    import keras

    x = np.load(os.path.join(inputs_dir, "images.npy"))
    autoencoder, encoder, decoder = namespace["build_dae"]()
    infer_1 = _plain(autoencoder(x, training=False), np.float32)
    infer_2 = _plain(autoencoder(x, training=False), np.float32)
    train = _plain(autoencoder(x, training=True), np.float32)
    codes = _plain(encoder(x, training=False), np.float32)
    decoded = _plain(decoder(codes, training=False), np.float32)
    encoder_noise = any(isinstance(layer, keras.layers.GaussianNoise) for layer in encoder.layers)
    ae_noise = any(isinstance(layer, keras.layers.GaussianNoise) for layer in _all_layers(autoencoder))
    np.savez(out_prefix + ".npz", x=x, infer_1=infer_1, infer_2=infer_2, train=train, codes=codes,
             decoded=decoded, encoder_noise=np.array(encoder_noise),
             autoencoder_noise=np.array(ae_noise),
             compiled=np.array(autoencoder.optimizer is not None))


def _all_layers(model):
    for layer in model.layers:
        yield layer
        if hasattr(layer, "layers"):
            yield from _all_layers(layer)


def _small_encoder(keras):
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(inputs)
    x = keras.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
    return keras.Model(inputs, x, name="probe_encoder")


def probe_classifier(namespace, inputs_dir, out_prefix):
    import keras

    build = namespace["build_classifier"]
    x = np.load(os.path.join(inputs_dir, "images.npy"))[:3]
    frozen_encoder = _small_encoder(keras)
    frozen = build(frozen_encoder, num_classes=10, freeze_encoder=True)
    tuned_encoder = _small_encoder(keras)
    tuned = build(tuned_encoder, num_classes=7, freeze_encoder=False)
    np.savez(out_prefix + ".npz",
             probs_10=_plain(frozen(x, training=False), np.float32),
             probs_7=_plain(tuned(x, training=False), np.float32),
             frozen_trainable=np.array(len(frozen_encoder.trainable_weights)),
             tuned_trainable=np.array(len(tuned_encoder.trainable_weights)),
             encoder_is_layer=np.array(frozen_encoder in frozen.layers
                                       and tuned_encoder in tuned.layers),
             compiled=np.array(frozen.optimizer is not None and tuned.optimizer is not None))


PROBES = {"ex08-loader": probe_loader, "ex08-dae": probe_dae, "ex08-classifier": probe_classifier}
