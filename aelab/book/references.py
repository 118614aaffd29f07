"""Public reference numbers shown beside this repository's results.

Each entry names the metric keys (in ``metrics`` of a results file, dotted for
nested dicts) that measure the same quantity; the first key present is shown.
Numbers are quoted from the named source, not re-run here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reference:
    exercise: str
    quantity: str
    value: str
    source: str
    metric_keys: tuple[str, ...]


REFERENCES: tuple[Reference, ...] = (
    Reference(
        "ex08",
        "convolutional denoising autoencoder, test reconstruction MSE (pixels in [0, 1])",
        "0.0061 after 10 epochs",
        "A. Géron, companion notebooks of *Hands-On Machine Learning* (3rd ed.), "
        "chapter 17 exercise solution ({cite:t}`geron2022`)",
        ("dae.test_mse", "dae_test_mse"),
    ),
    Reference(
        "ex08",
        "classifier trained on all labels, test accuracy",
        "55.2 %",
        "a public solution of this exercise (same chapter exercise, CIFAR-10)",
        ("classifier.scratch_100pct.test_accuracy", "full_data_test_accuracy"),
    ),
    Reference(
        "ex08",
        "classifier on 10 % of the labels with DAE pretraining, test accuracy",
        "40.7 %",
        "the same public solution",
        ("answer.best_pretrained_10pct", "classifier.pretrained_finetuned_10pct.test_accuracy",
         "pretrained_10pct_test_accuracy"),
    ),
    Reference(
        "ex10",
        "simple convolutional VAE (one latent layer), test negative ELBO in bits/dim",
        "about 4.5-5.5",
        "typical range of small single-latent convolutional VAEs; no single canonical publication",
        ("test.bits_per_dim", "test_bits_per_dim", "bits_per_dim"),
    ),
    Reference(
        "ex10",
        "best hierarchical VAEs, test bits/dim",
        "2.91 (NVAE), 2.87 (VDVAE)",
        "{cite:t}`vahdat2020nvae`; {cite:t}`child2021vdvae`",
        ("test.bits_per_dim", "test_bits_per_dim", "bits_per_dim"),
    ),
)
