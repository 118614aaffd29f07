"""Figures and numbers of the Q1-Q7 pages, made by one process at build time.

``python -m aelab.book.figures --out book/_generated --profile quick`` trains the
small demo models of :mod:`aelab.book.demos` (one TensorFlow start-up and one data
load for all pages), saves PNG figures and writes ``figures.json``: for each
page marker ``<!-- aelab-figures NAME -->`` the Markdown that replaces it
(figure directive plus the measured numbers). Nothing measured is written by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

import numpy as np

from .. import config

SNIPPETS_FILE = "figures.json"
PAGES = ("q3", "q4", "q5", "q6", "q7")  # snippet names, one per page marker
MARKER = re.compile(r"<!--\s*aelab-figures\s+(?P<name>[\w-]+)\s*-->")


def _save(fig, out_dir: Path, name: str) -> str:
    """Save ``fig`` as ``out_dir/name.png`` atomically; return the file name."""
    import matplotlib.pyplot as plt

    target = out_dir / f"{name}.png"
    tmp = out_dir / f".{name}.tmp.png"
    fig.savefig(tmp, dpi=110, bbox_inches="tight")
    plt.close(fig)
    os.replace(tmp, target)
    return target.name


def _figure_md(file_name: str, alt: str, caption: str) -> str:
    return f"```{{figure}} _generated/{file_name}\n:alt: {alt}\n:width: 100%\n\n{caption}\n```\n"


def q3_overfitting(out_dir: Path, profile: config.Profile, data_source, seed: int) -> str:
    import matplotlib.pyplot as plt

    from . import demos

    n_train = profile.pick(quick=200, full=300)
    num_epochs = profile.pick(quick=20, full=120)
    x_train, x_val = demos.load_demo_data(n_train=n_train, n_val=1000, data_source=data_source)
    big = demos.train_autoencoder(
        x_train, x_val, hidden_units=(1024, 256), name="oversized", num_epochs=num_epochs, seed=seed
    )
    train_curve, val_curve = big.history["loss"], big.history["val_loss"]
    fig, (ax_loss, ax_img) = plt.subplots(1, 2, figsize=(11, 3.8), width_ratios=[1.3, 1])
    epochs = np.arange(1, num_epochs + 1)
    ax_loss.plot(epochs, train_curve, label=f"training images ({n_train})")
    ax_loss.plot(epochs, val_curve, label="held-out test images (1000)")
    ax_loss.set(xlabel="epoch", ylabel="reconstruction MSE", yscale="log",
                title="Training vs held-out reconstruction error")
    ax_loss.legend()
    rows = []
    for images in (x_train[:4], x_val[:4]):
        recon = np.asarray(big.model.predict(images, verbose=0))
        rows.append(np.hstack([im.reshape(16, 16) for im in np.concatenate([images, recon])]))
    ax_img.imshow(np.vstack(rows), cmap="gray", vmin=0, vmax=1)
    ax_img.set_title("4 inputs, then their reconstructions\ntop: training, bottom: held-out")
    ax_img.axis("off")
    fig.tight_layout()
    name = _save(fig, out_dir, "q3_overfitting")
    ratio = val_curve[-1] / train_curve[-1]
    return _figure_md(
        name, "training and held-out reconstruction error curves",
        f"An oversized dense autoencoder (256-1024-256-1024-256) trained for {num_epochs} epochs "
        f"on {n_train} CIFAR-10 training images (16 x 16 grayscale). Final training MSE "
        f"{train_curve[-1]:.4f}, held-out MSE {val_curve[-1]:.4f}: the held-out error is "
        f"{ratio:.1f} times the training error.",
    )


def q4_noise(out_dir: Path, profile: config.Profile, data_source, seed: int) -> str:
    import matplotlib.pyplot as plt

    from . import demos

    x_train, x_val = demos.load_demo_data(
        n_train=profile.pick(quick=1000, full=5000), n_val=1000, data_source=data_source
    )
    noise = demos.random_images(1000, seed=0)
    noise_variance = float(noise.var())  # error of an output of constant mean grey
    num_epochs = profile.pick(quick=6, full=30)
    variants = {
        "undercomplete (32)": dict(hidden_units=(32,)),
        "overcomplete (1024)": dict(hidden_units=(1024,)),
        "overcomplete, denoising": dict(hidden_units=(1024,), noise_stddev=0.2),
    }
    errors = {}
    for label, kwargs in variants.items():
        trained = demos.train_autoencoder(
            x_train, x_val, name="ae", num_epochs=num_epochs, seed=seed, **kwargs
        )
        errors[label] = [demos.reconstruction_mse(trained.model, x) for x in (x_train, x_val, noise)]
    fig, ax = plt.subplots(figsize=(9, 3.6))
    width = 0.27
    for i, (label, values) in enumerate(errors.items()):
        ax.bar(np.arange(3) + (i - 1) * width, values, width, label=label)
    ax.set_xticks(np.arange(3), ["training images", "test images", "random noise"])
    ax.set(ylabel="reconstruction MSE", title="Reconstruction error by input type")
    ax.legend()
    fig.tight_layout()
    name = _save(fig, out_dir, "q4_noise")
    table = ["| autoencoder | training images | test images | random noise | share of the noise reproduced |",
             "|---|---|---|---|---|"]
    for label, (tr, te, nz) in errors.items():
        table.append(f"| {label} | {tr:.4f} | {te:.4f} | {nz:.4f} | {1 - nz / noise_variance:.0%} |")
    table += ["", f"The variance of the noise images is {noise_variance:.4f}: the error of a model "
              "that outputs a uniform grey for them."]
    return _figure_md(
        name, "bar chart of reconstruction errors",
        f"Three dense autoencoders trained for {num_epochs} epochs on {len(x_train)} CIFAR-10 "
        "training images (16 x 16 grayscale), asked to reconstruct training images, test images "
        "and uniform random noise.",
    ) + "\n" + "\n".join(table) + "\n"


def q5_parameters() -> str:
    from .tied import stacked_autoencoder

    untied, tied = stacked_autoencoder(tied=False), stacked_autoencoder(tied=True)
    n_untied, n_tied = untied.count_params(), tied.count_params()
    return (
        "| model | parameters |\n|---|---|\n"
        f"| untied 256-100-30-100-256 | {n_untied:,} |\n"
        f"| tied (same layers) | {n_tied:,} ({1 - n_tied / n_untied:.0%} fewer) |\n"
    )


def q6_features(out_dir: Path, profile: config.Profile, data_source, seed: int) -> str:
    import matplotlib.pyplot as plt

    from . import demos

    x_train, x_val = demos.load_demo_data(
        n_train=profile.pick(quick=2000, full=10000), n_val=2000, data_source=data_source
    )
    num_epochs = profile.pick(quick=8, full=40)
    stacked = demos.train_autoencoder(
        x_train, x_val, hidden_units=(128, 32), name="stacked", num_epochs=num_epochs, seed=seed,
        first_layer_l2=1e-4,
    )
    kernel = np.asarray(stacked.model.get_layer("encoder_0").kernel)  # (256, 128)
    codings = np.asarray(stacked.encoder.predict(x_val, verbose=0))  # (n_val, 32)
    fig = plt.figure(figsize=(12, 5.2))
    left, right = fig.subfigures(1, 2, width_ratios=[1, 1.1])
    for i, ax in enumerate(left.subplots(4, 8).flat):
        weights = kernel[:, i].reshape(16, 16)
        limit = np.abs(weights).max()
        ax.imshow(weights, cmap="bwr", vmin=-limit, vmax=limit)
        ax.axis("off")
    left.suptitle("lowest layer: weights of 32 neurons")
    # Most variable coding units first: dead ReLU units would show arbitrary images.
    order = np.argsort(codings.std(axis=0))[::-1][:8]
    axes = right.subplots(8, 6)
    for row, unit in enumerate(order):
        for col, index in enumerate(np.argsort(codings[:, unit])[::-1][:6]):
            axes[row, col].imshow(x_val[index].reshape(16, 16), cmap="gray", vmin=0, vmax=1)
            axes[row, col].axis("off")
        axes[row, 0].set_title(f"unit {unit}", fontsize=7, loc="left")
    right.suptitle("coding layer: held-out images that most activate 8 neurons")
    name = _save(fig, out_dir, "q6_features")
    dead = int(np.sum(codings.max(axis=0) <= 0))
    return _figure_md(
        name, "first-layer weights and top-activating images of coding units",
        f"Stacked autoencoder 256-128-32-128-256 trained for {num_epochs} epochs on "
        f"{len(x_train)} CIFAR-10 images (16 x 16 grayscale). Left: first-layer weights (red "
        f"positive, blue negative; small initial weights and L2 decay on this layer, so the "
        f"picture shows learned structure rather than the random start). Right: the {len(x_val)} held-out images ranked by the "
        f"activation of 8 coding units ({dead} of the 32 units never activate on them).",
    )


def q7_kl(out_dir: Path) -> str:
    import matplotlib.pyplot as plt

    mu = np.linspace(-3, 3, 301)
    sigma = np.linspace(0.05, 3, 300)
    grid_mu, grid_sigma = np.meshgrid(mu, sigma)
    kl = -0.5 * (1 + np.log(grid_sigma**2) - grid_mu**2 - grid_sigma**2)
    fig, ax = plt.subplots(figsize=(7, 4))
    filled = ax.contourf(grid_mu, grid_sigma, kl, levels=[0, 0.1, 0.25, 0.5, 1, 2, 3, 4, 6],
                         cmap="viridis", extend="max")
    ax.contour(grid_mu, grid_sigma, kl, levels=[0.1, 0.5, 1, 2, 4], colors="white", linewidths=0.6)
    ax.plot(0, 1, "r*", markersize=14, label=r"prior: $\mu=0,\ \sigma=1$ (KL $=0$)")
    ax.set(xlabel=r"$\mu$", ylabel=r"$\sigma$",
           title=r"$D_{KL}(\mathcal{N}(\mu,\sigma^2)\,\|\,\mathcal{N}(0,1))$ for one coding dimension")
    fig.colorbar(filled, ax=ax, label="nats")
    ax.legend(loc="upper right")
    fig.tight_layout()
    name = _save(fig, out_dir, "q7_kl")
    return _figure_md(
        name, "contour plot of the KL divergence",
        "The VAE's latent loss for one coding dimension, as a function of the encoder's mean and "
        "standard deviation: zero only at the prior, steep as the standard deviation goes to 0.",
    )


def make_all(out_dir: str | os.PathLike, profile: config.Profile, data_source=None,
             seed: int = 42) -> dict[str, str]:
    """Make every figure into ``out_dir`` and write ``figures.json``; return the snippets."""
    import matplotlib

    matplotlib.use("Agg")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    snippets = {
        "q3": q3_overfitting(out, profile, data_source, seed),
        "q4": q4_noise(out, profile, data_source, seed),
        "q5": q5_parameters(),
        "q6": q6_features(out, profile, data_source, seed),
        "q7": q7_kl(out),
    }
    if tuple(snippets) != PAGES:
        raise RuntimeError(f"figures made {tuple(snippets)}, pages expect {PAGES}")
    payload = {"profile": profile.name, "seconds": round(time.perf_counter() - start, 1),
               "snippets": snippets}
    tmp = out / (SNIPPETS_FILE + ".tmp")
    tmp.write_text(json.dumps(payload, indent=2) + "\n")
    os.replace(tmp, out / SNIPPETS_FILE)
    return snippets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Make the figures of the book's Q1-Q7 pages.")
    parser.add_argument("--out", required=True, help="folder for the PNG files and figures.json")
    parser.add_argument("--profile", choices=config.PROFILES, default=None)
    parser.add_argument("--data", default=None, help="CIFAR-10 source (default $AELAB_DATA)")
    args = parser.parse_args(argv)
    make_all(args.out, config.get_profile(args.profile), config.data_source(args.data))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
