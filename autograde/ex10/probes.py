"""ex10 probes: call the student's layer and functions on grading-time inputs (inside the sandbox)."""

import json
import os

import numpy as np


def probe_sampling(namespace, inputs_dir, out_prefix):
    import tensorflow as tf

    with np.load(os.path.join(inputs_dir, "sampling.npz")) as data:
        mean, log_var = data["mean"], data["log_var"]
    layer = namespace["Sampling"](seed=int(mean.shape[1]))
    z1 = np.asarray(layer([mean, log_var]), dtype=np.float32)
    z2 = np.asarray(layer([mean, log_var]), dtype=np.float32)
    m, lv = tf.Variable(mean[:4]), tf.Variable(log_var[:4])
    with tf.GradientTape() as tape:
        total = tf.reduce_sum(layer([m, lv]))
    grad_mean, grad_log_var = tape.gradient(total, [m, lv])
    missing = np.full((4, mean.shape[1]), np.nan, np.float32)
    np.savez(out_prefix + ".npz", z1=z1, z2=z2,
             grad_mean=missing if grad_mean is None else np.asarray(grad_mean, np.float32),
             grad_log_var=missing if grad_log_var is None else np.asarray(grad_log_var, np.float32))


def probe_loss(namespace, inputs_dir, out_prefix):
    with np.load(os.path.join(inputs_dir, "loss.npz")) as data:
        d = {k: data[k] for k in data.files}
    log_prob = namespace["discretized_logistic_log_prob"]
    elbo = namespace["negative_elbo"]
    kl = namespace["gaussian_kl"]
    far = log_prob(np.float32([[0.2]]), np.float32([[0.95]]), np.float32([[-6.0]]))
    np.savez(out_prefix + ".npz",
             log_prob=np.asarray(log_prob(d["x"], d["mu"], d["ls"]), np.float64),
             elbo=np.asarray(elbo(d["x"], d["mu"], d["ls"], d["zm"], d["zl"]), np.float64),
             elbo_beta=np.asarray(elbo(d["x"], d["mu"], d["ls"], d["zm"], d["zl"],
                                       beta=float(d["beta"])), np.float64),
             kl=np.asarray(kl(d["zm"], d["zl"]), np.float64),
             far=np.asarray(far, np.float32))


def probe_generator(namespace, inputs_dir, out_prefix):
    import keras

    with open(os.path.join(inputs_dir, "generator.json")) as handle:
        spec = json.load(handle)
    dim = spec["latent_dim"]
    # A decoder whose red channel shows the code: pixel (0, j) = 0.5 + 0.1 * z_j.
    probe_in = keras.Input((dim,))
    flat = keras.layers.Dense(3072, name="probe")(probe_in)
    image = keras.layers.Reshape((32, 32, 3))(flat)
    decoder = keras.Model(probe_in, [image, image])  # (pixel_mean, log_scale) like the VAE's
    kernel = np.zeros((dim, 3072), np.float32)
    for j in range(dim):
        kernel[j, j * 3] = 0.1
    decoder.get_layer("probe").set_weights([kernel, np.full(3072, 0.5, np.float32)])
    generate = namespace["generate_images"]
    a1 = generate(decoder, 4000, dim, seed=spec["seed_a"])
    a2 = generate(decoder, 4000, dim, seed=spec["seed_a"])
    b = generate(decoder, 4000, dim, seed=spec["seed_b"])
    np.savez(out_prefix + ".npz", a1=np.asarray(a1), a2=np.asarray(a2), b=np.asarray(b),
             latent_dim=np.array(dim))


PROBES = {"ex10-sampling": probe_sampling, "ex10-loss": probe_loss,
          "ex10-generator": probe_generator}
