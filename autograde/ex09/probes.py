"""ex09 probes: call the student's functions on grading-time inputs (inside the sandbox)."""

import os

import numpy as np

PURITY_CASES = ("four", "two", "singletons", "constant", "random_bits", "random_packed")


def _raises_value_error(function, *args):
    try:
        function(*args)
    except ValueError:
        return True
    except Exception:  # noqa: BLE001 - the wrong exception type is a failure, not a crash
        return False
    return False


def probe_model(namespace, inputs_dir, out_prefix):
    build = namespace["build_hashing_autoencoder"]
    x = np.load(os.path.join(inputs_dir, "images.npy"))
    arrays = {}
    for tag, stddev in (("big", 4.0), ("small", 0.5)):
        autoencoder, encoder = build(num_bits=12, hidden_sizes=(32, 16), noise_stddev=stddev)
        names = [type(layer).__name__ for layer in encoder.layers]
        noise_at = names.index("GaussianNoise") if "GaussianNoise" in names else -1
        arrays.update({
            f"{tag}_infer_1": np.asarray(encoder(x, training=False), np.float32),
            f"{tag}_infer_2": np.asarray(encoder(x, training=False), np.float32),
            f"{tag}_train": np.asarray(encoder(x, training=True), np.float32),
            f"{tag}_recon": np.asarray(autoencoder(x, training=False), np.float32),
            f"{tag}_noise_at": np.array(noise_at),
            f"{tag}_flatten_at": np.array(names.index("Flatten") if "Flatten" in names else -1),
            f"{tag}_dense_below_noise": np.array(sum(n == "Dense" for n in names[:max(noise_at, 0)])),
            f"{tag}_compiled": np.array(autoencoder.optimizer is not None),
        })
    np.savez(out_prefix + ".npz", **arrays)


def probe_hash(namespace, inputs_dir, out_prefix):
    hash_codes, pack_hashes = namespace["hash_codes"], namespace["pack_hashes"]
    with np.load(os.path.join(inputs_dir, "hash.npz")) as data:
        d = {k: data[k] for k in data.files}
    arrays = {"bits": np.asarray(hash_codes(d["codes"].copy()))}
    for b in (1, 30, 64):
        arrays[f"packed_{b}"] = np.asarray(pack_hashes(d[f"bits_{b}"].copy()))
    arrays["rejects"] = np.array([
        _raises_value_error(hash_codes, np.array([[np.nan, 0.2]])),
        _raises_value_error(hash_codes, np.array([[1.5, 0.2]])),
        _raises_value_error(hash_codes, np.zeros(3)),
        _raises_value_error(pack_hashes, np.zeros((2, 65), np.uint8)),
        _raises_value_error(pack_hashes, np.full((2, 3), 2, np.uint8)),
    ])
    np.savez(out_prefix + ".npz", **arrays)


def probe_purity(namespace, inputs_dir, out_prefix):
    gini_purity = namespace["gini_purity"]
    with np.load(os.path.join(inputs_dir, "purity.npz")) as data:
        d = {k: data[k] for k in data.files}
    values, is_float = [], []
    for case in PURITY_CASES:
        value = gini_purity(d[f"{case}_hashes"].copy(), d[f"{case}_labels"].copy())
        is_float.append(type(value) is float)
        values.append(float(value))
    mismatch = _raises_value_error(gini_purity, d["random_bits_hashes"], d["random_bits_labels"][:100])
    np.savez(out_prefix + ".npz", values=np.array(values, np.float64), is_float=np.array(is_float),
             mismatch_raises=np.array(mismatch))


PROBES = {"ex09-model": probe_model, "ex09-hash": probe_hash, "ex09-purity": probe_purity}
