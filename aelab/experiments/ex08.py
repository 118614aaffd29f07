"""Exercise 8: denoising-autoencoder pretraining for a CIFAR-10 classifier.

The whole experiment, used by ``aelab run ex08`` and by the solution notebook:

1. split the training set into a training part and a small validation part
   (stratified, seeded); the test set is only used for the reported numbers;
2. train a convolutional denoising autoencoder (:mod:`aelab.models.dae`) on every
   image of the training part (no labels), report test reconstruction MSE;
3. train the same classifier architecture (:mod:`aelab.models.classifier`) on
   10% of the labels with the pretrained encoder frozen, frozen then
   fine-tuned, and from scratch, and on 100% of the labels from scratch;
4. a label-fraction curve: pretrained (frozen) vs scratch for several label
   fractions and seeds, with the spread over seeds.

**Budget rule** (the same for every classifier): a run sees about
``budget_images`` training examples, i.e.
``epochs = clip(round(budget_images / n_labelled), 1, max_epochs)`` passes over
its labelled set (or part of one pass when the set is larger than the budget,
see :func:`schedule_for`), with the same batch size and optimiser. Small
labelled sets therefore get more epochs (up to ``max_epochs``), large ones
fewer, and every method at a given label fraction gets exactly the same compute. The fine-tuned
run spends half of its epochs with the encoder frozen (so the new head does not
send large random gradients into the pretrained layers) and half fine-tuning it
with a 10x smaller learning rate.

A frozen encoder could also be run once and its codings cached; it is not done
here because with this architecture the encoder's forward pass is only about
15% of a frozen-encoder training step (the head dominates), which does not pay
for the memory of caching codings of flipped and unflipped images.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import numpy as np

from .. import config
from ..data.subsets import stratified_subset, train_validation_split
from ..metrics.classification import accuracy, mean_and_spread
from ..metrics.reconstruction import model_reconstruction_mse
from .common import resolve_inputs

EXERCISE = "ex08"

# Targets of issue 3 (full profile); the results file records met / missed.
TARGETS = {
    "dae_test_mse_max": 0.0045,
    "full_data_accuracy_min": 0.75,
    "pretrained_10pct_accuracy_min": 0.60,
    "runtime_s_max": 20 * 60,
}


@dataclass(frozen=True)
class Ex08Settings:
    """Sizes of one run; :func:`settings_for` gives the ``quick`` and ``full`` ones."""

    train_size: int | None  # images of the training set used (None: all 50,000)
    validation_size: int  # carved out of them, stratified, for the learning curves
    test_size: int | None  # test images for the reported numbers (None: all 10,000)
    dae_epochs: int
    classifier_fraction: float = 0.10
    budget_images: int = 100_000  # per classifier run, see the module docstring
    max_epochs: int = 30
    curve_fractions: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10, 0.20, 0.50, 1.0)
    curve_seeds: int = 3
    curve_budget_images: int = 15_000
    curve_test_size: int | None = 5000
    batch_size: int = 128
    coding_filters: int = 64
    hidden_filters: tuple[int, ...] = (32,)
    noise_stddev: float = 0.1
    dae_learning_rate: float = 2e-3
    learning_rate: float = 2e-3
    finetune_learning_rate: float = 2e-4
    head_filters: tuple[int, ...] = (64, 128)
    extra: dict = field(default_factory=dict)


def settings_for(profile: config.Profile | str) -> Ex08Settings:
    """Run sizes for a profile: ``quick`` (about 1-2 minutes on 2 cores) or ``full``."""
    profile = config.get_profile(profile) if isinstance(profile, str) else profile
    return profile.pick(
        # quick: a smoke-sized run (grading runs the notebook per submission): every
        # step of the full run, few images, one curve seed.
        quick=Ex08Settings(
            train_size=2500, validation_size=250, test_size=500, dae_epochs=3,
            budget_images=2250, max_epochs=6,
            curve_fractions=(0.2, 1.0), curve_seeds=1, curve_budget_images=900,
            curve_test_size=500,
        ),
        full=Ex08Settings(
            train_size=None, validation_size=2000, test_size=None, dae_epochs=3,
            budget_images=50_000, max_epochs=30,
            curve_budget_images=6_000, curve_seeds=3, curve_test_size=2000,
        ),
    )


def schedule_for(num_labelled: int, budget_images: int, max_epochs: int,
                 batch_size: int) -> tuple[int, int]:
    """The budget rule as ``(epochs, steps_per_epoch)`` for ``num_labelled`` examples.

    A run sees ``min(budget_images, max_epochs * num_labelled)`` examples: full
    passes over small labelled sets (at most ``max_epochs``), a fraction of one
    pass over sets larger than the budget.
    """
    if min(num_labelled, budget_images, max_epochs, batch_size) <= 0:
        raise ValueError("num_labelled, budget_images, max_epochs and batch_size must all be positive")
    epochs = int(min(max_epochs, max(1, round(budget_images / num_labelled))))
    per_epoch = min(num_labelled, budget_images)
    return epochs, max(1, -(-per_epoch // batch_size))


# --------------------------------------------------------------------------- data


@dataclass
class Ex08Data:
    """Arrays of one run, all ``uint8`` images ``(n, 32, 32, 3)`` and ``int64`` labels ``(n,)``."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    class_names: tuple[str, ...]


def prepare_data(cifar, settings: Ex08Settings, *, seed: int) -> Ex08Data:
    """Training / validation / test arrays for a run from a :class:`aelab.data.CifarData`."""
    x, y = np.asarray(cifar.x_train), np.asarray(cifar.y_train).astype(np.int64)
    if settings.train_size is not None and settings.train_size < len(y):
        keep = stratified_subset(y, settings.train_size / len(y), seed=seed)
        x, y = x[keep], y[keep]
    train_idx, val_idx = train_validation_split(y, settings.validation_size, seed=seed + 1)
    x_test, y_test = np.asarray(cifar.x_test), np.asarray(cifar.y_test).astype(np.int64)
    if settings.test_size is not None and settings.test_size < len(y_test):
        keep = stratified_subset(y_test, settings.test_size / len(y_test), seed=seed + 2)
        x_test, y_test = x_test[keep], y_test[keep]
    return Ex08Data(x[train_idx], y[train_idx], x[val_idx], y[val_idx], x_test, y_test,
                    tuple(cifar.class_names))


def to_float(images: np.ndarray) -> np.ndarray:
    """``(n, 32, 32, 3) uint8`` -> ``float32`` in ``[0, 1]``."""
    return np.asarray(images, dtype=np.float32) / 255.0


# --------------------------------------------------------------------------- DAE


def train_dae(data: Ex08Data, settings: Ex08Settings, *, seed: int, verbose: int = 2):
    """Train the denoising autoencoder on ``data.x_train`` (no labels).

    Returns ``(DaeModels, history)`` with ``history`` a dict of per-epoch lists
    (``loss``, ``val_loss``: MSE with noise on the inputs, clean targets).
    """
    import keras

    from ..models.dae import build_dae

    keras.utils.set_random_seed(seed)
    models = build_dae(hidden_filters=settings.hidden_filters, coding_filters=settings.coding_filters,
                       noise_stddev=settings.noise_stddev, learning_rate=settings.dae_learning_rate)
    return models, fit_dae(models.autoencoder, data, settings, seed=seed, verbose=verbose)


def fit_dae(autoencoder, data: Ex08Data, settings: Ex08Settings, *, seed: int, verbose: int = 2) -> dict:
    """Train a compiled autoencoder ``(n, 32, 32, 3) float32 [0,1] -> same`` on ``data.x_train``.

    The noise must be part of the model (a training-only layer), so the input
    pipeline adds none. Returns the per-epoch history as a dict of lists.
    """
    from ..data.pipeline import make_dataset

    if not getattr(autoencoder, "compiled", False):
        raise ValueError("compile the autoencoder first (e.g. Adam and loss='mse')")
    train = make_dataset(data.x_train, batch_size=settings.batch_size, shuffle=True, seed=seed)
    val = make_dataset(data.x_val, batch_size=512)
    # shuffle=False: the dataset already reshuffles every epoch (Keras warns otherwise).
    history = autoencoder.fit(train, validation_data=val, epochs=settings.dae_epochs,
                              shuffle=False, verbose=verbose)
    return {k: [float(v) for v in vals] for k, vals in history.history.items()}


def noisy_copy(images: np.ndarray, stddev: float, *, seed: int) -> np.ndarray:
    """What the DAE sees in training: ``float32`` images + N(0, stddev) noise, clipped to [0, 1] for display."""
    rng = np.random.default_rng(seed)
    x = to_float(images)
    return np.clip(x + rng.normal(0.0, stddev, size=x.shape).astype(np.float32), 0.0, 1.0)


def top_activating(encoder, images: np.ndarray, *, num_units: int = 8, top_k: int = 6,
                   batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """For the ``num_units`` most variable coding units, the ``top_k`` images activating each most.

    A coding unit is one channel of the ``(8, 8, c)`` codings; its activation on
    an image is its maximum over positions (the unit "fires" somewhere in the
    image). Returns ``(units (num_units,) int64, image_indices (num_units, top_k) int64)``,
    indices into ``images`` ``(n, 32, 32, 3) uint8``.
    """
    codings = encoder.predict(to_float(images), batch_size=batch_size, verbose=0)
    strength = codings.reshape(len(codings), -1, codings.shape[-1]).max(axis=1)  # (n, c)
    units = np.argsort(-strength.std(axis=0))[:num_units]
    top = np.argsort(-strength[:, units], axis=0)[:top_k].T
    return units.astype(np.int64), top.astype(np.int64)


# --------------------------------------------------------------------------- classifiers

METHODS = ("pretrained_frozen", "pretrained_finetuned", "scratch")


def copy_encoder(encoder):
    """Independent copy of ``encoder`` with the same (pretrained) weights."""
    import keras

    clone = keras.models.clone_model(encoder)
    clone.set_weights(encoder.get_weights())
    return clone


def train_classifier(method: str, encoder, x, y, data: Ex08Data, settings: Ex08Settings, *,
                     seed: int, budget_images: int, verbose: int = 0, validate: bool = True,
                     build=None):
    """Train one classifier under the budget rule; returns ``(model, info)``.

    ``method``: ``pretrained_frozen`` / ``pretrained_finetuned`` use a copy of
    the pretrained ``encoder``; ``scratch`` uses the same architecture with fresh
    weights. ``x (n, 32, 32, 3) uint8``, ``y (n,) int64``. The returned model maps
    ``(n, 32, 32, 3) float32 [0, 1]`` to ``(n, 10) float32`` probabilities.

    ``build(encoder, *, num_classes, freeze_encoder) -> compiled keras.Model``
    replaces the library's classifier (the notebook passes the student's); it
    must use ``encoder`` as a layer so that freezing/unfreezing it works.
    """
    import keras

    from ..data.pipeline import make_dataset
    from ..models.classifier import build_classifier, build_head, fresh_copy, unfreeze_encoder

    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}")
    keras.utils.set_random_seed(seed)
    pretrained = method != "scratch"
    enc = copy_encoder(encoder) if pretrained else fresh_copy(encoder)
    if build is None:
        head = build_head(tuple(enc.output.shape[1:]), num_classes=len(data.class_names),
                          filters=settings.head_filters)
        model = build_classifier(enc, head=head, freeze_encoder=pretrained,
                                 learning_rate=settings.learning_rate, seed=seed)
    else:
        model = build(enc, num_classes=len(data.class_names), freeze_encoder=pretrained)
        if not getattr(model, "compiled", False):
            raise ValueError("build(...) must return a compiled model (Adam, sparse categorical cross-entropy)")
    epochs, steps = schedule_for(len(y), budget_images, settings.max_epochs, settings.batch_size)
    # Repeated so that an "epoch" can be part of a pass when the budget is smaller than the set.
    train = make_dataset(x, y, target="label", batch_size=settings.batch_size, shuffle=True,
                         seed=seed).repeat()
    val = make_dataset(data.x_val, data.y_val, target="label", batch_size=512) if validate else None
    fit_args = {"validation_data": val, "steps_per_epoch": steps, "verbose": verbose, "shuffle": False}
    start = time.perf_counter()
    history = {}
    if method == "pretrained_finetuned" and epochs == 1:
        # Too short to split: both phases get half of the single epoch's steps.
        fit_args["steps_per_epoch"] = max(1, steps // 2)
    if method == "pretrained_finetuned":
        frozen_epochs = max(1, epochs // 2)
        first = model.fit(train, epochs=frozen_epochs, **fit_args)
        unfreeze_encoder(model, enc, learning_rate=settings.finetune_learning_rate)
        second = model.fit(train, epochs=max(epochs, frozen_epochs + 1), initial_epoch=frozen_epochs,
                           **fit_args)
        for key in first.history:
            history[key] = list(first.history[key]) + list(second.history.get(key, []))
    else:
        history = model.fit(train, epochs=epochs, **fit_args).history
    info = {
        "labelled": int(len(y)),
        "epochs": int(epochs),
        "steps_per_epoch": int(steps),
        "images_seen": int(epochs * steps * settings.batch_size),
        "train_seconds": time.perf_counter() - start,
        "history": {k: [float(v) for v in vals] for k, vals in history.items()},
    }
    return model, info


def evaluate_classifier(model, x, y, *, batch_size: int = 512) -> float:
    """Test accuracy of ``model`` on ``x (n, 32, 32, 3) uint8``, ``y (n,) int``."""
    return accuracy(y, model.predict(to_float(x), batch_size=batch_size, verbose=0))


def label_fraction_curve(encoder, data: Ex08Data, settings: Ex08Settings, *, seed: int,
                         methods: tuple[str, ...] = ("pretrained_frozen", "scratch"),
                         verbose: int = 0, progress=print, build=None) -> dict:
    """Test accuracy vs label fraction for each method over ``settings.curve_seeds`` seeds.

    Every run follows the budget rule with ``settings.curve_budget_images``.
    Returns ``{"fractions": [...], "seeds": [...], "budget_images": int,
    "<method>": {"accuracy": [[per seed] per fraction], "mean": [...], "std": [...]}}``.
    """
    x_test, y_test = data.x_test, data.y_test
    if settings.curve_test_size is not None and settings.curve_test_size < len(y_test):
        keep = stratified_subset(y_test, settings.curve_test_size / len(y_test), seed=seed + 3)
        x_test, y_test = x_test[keep], y_test[keep]
    seeds = [seed + 100 * i for i in range(settings.curve_seeds)]
    out = {"fractions": list(settings.curve_fractions), "seeds": seeds,
           "budget_images": settings.curve_budget_images, "test_size": int(len(y_test))}
    for method in methods:
        out[method] = {"accuracy": [], "mean": [], "std": []}
    for fraction in settings.curve_fractions:
        for method in methods:
            values = []
            for run_seed in seeds:
                idx = stratified_subset(data.y_train, fraction, seed=run_seed)
                model, _ = train_classifier(method, encoder, data.x_train[idx], data.y_train[idx], data,
                                            settings, seed=run_seed, validate=False,
                                            budget_images=settings.curve_budget_images, verbose=verbose,
                                            build=build)
                values.append(evaluate_classifier(model, x_test, y_test))
            summary = mean_and_spread(values)
            out[method]["accuracy"].append(values)
            out[method]["mean"].append(summary["mean"])
            out[method]["std"].append(summary["std"])
            if progress:
                progress(f"curve: {fraction:5.0%} labels, {method:<18} accuracy "
                         f"{summary['mean']:.3f} +- {summary['std']:.3f} over {len(seeds)} seeds")
    return out


# --------------------------------------------------------------------------- answer


def answer(metrics: dict) -> dict:
    """The exercise's question in numbers: does 10%-with-pretraining match 100% of the labels?"""
    clf = metrics["classifier"]
    best_pre = max(clf["pretrained_frozen_10pct"]["test_accuracy"],
                   clf["pretrained_finetuned_10pct"]["test_accuracy"])
    scratch10 = clf["scratch_10pct"]["test_accuracy"]
    full = clf["scratch_100pct"]["test_accuracy"]
    out = {
        "best_pretrained_10pct": best_pre,
        "gain_over_scratch_10pct": best_pre - scratch10,
        "gap_to_full_data": full - best_pre,
        "matches_full_data": bool(best_pre >= full - 0.01),
    }
    curve = metrics.get("curve")
    if curve and "pretrained_frozen" in curve and "scratch" in curve:
        fractions = curve["fractions"]
        i = int(np.argmin([abs(f - 0.1) for f in fractions]))
        gain = curve["pretrained_frozen"]["mean"][i] - curve["scratch"]["mean"][i]
        spread = max(curve["pretrained_frozen"]["std"][i], curve["scratch"]["std"][i])
        out["curve_fraction"] = fractions[i]
        out["curve_gain_pretrained_minus_scratch"] = gain
        out["curve_seed_spread"] = spread
        out["curve_gain_exceeds_spread"] = bool(gain > spread)
        out["curve_gain_per_fraction"] = [p - s for p, s in zip(curve["pretrained_frozen"]["mean"],
                                                                 curve["scratch"]["mean"], strict=True)]
    return out


def targets_report(metrics: dict, runtime_s: float) -> dict:
    """Each target of the issue with the measured value and whether it is met."""
    clf = metrics["classifier"]
    ans = metrics["answer"]
    return {
        "dae_test_mse": {"target_max": TARGETS["dae_test_mse_max"], "value": metrics["dae"]["test_mse"],
                         "met": metrics["dae"]["test_mse"] <= TARGETS["dae_test_mse_max"]},
        "full_data_accuracy": {"target_min": TARGETS["full_data_accuracy_min"],
                               "value": clf["scratch_100pct"]["test_accuracy"],
                               "met": clf["scratch_100pct"]["test_accuracy"] >= TARGETS["full_data_accuracy_min"]},
        "pretrained_10pct_accuracy": {"target_min": TARGETS["pretrained_10pct_accuracy_min"],
                                      "value": ans["best_pretrained_10pct"],
                                      "met": ans["best_pretrained_10pct"] >= TARGETS["pretrained_10pct_accuracy_min"]},
        "pretrained_beats_scratch_beyond_spread": {"value": ans.get("curve_gain_pretrained_minus_scratch"),
                                                   "spread": ans.get("curve_seed_spread"),
                                                   "met": bool(ans.get("curve_gain_exceeds_spread", False))},
        "runtime": {"target_max_s": TARGETS["runtime_s_max"], "value": runtime_s,
                    "met": runtime_s <= TARGETS["runtime_s_max"]},
    }


# --------------------------------------------------------------------------- run


def run(profile: config.Profile | str | None = None, *, data_source=None, seed: int = 42,
        results_dir=None, data=None, verbose: int = 2, progress=print) -> dict:
    """Run Exercise 8 end to end and write ``results/ex08-<profile>.json``; returns the metrics.

    ``data``: an already-loaded :class:`aelab.data.CifarData` (else loaded from
    ``data_source`` / ``$AELAB_DATA``).
    """
    import keras

    from ..models.dae import build_dae
    from ..results import write_results

    started = time.perf_counter()
    profile, source, cifar = resolve_inputs(profile, data_source, data)
    settings = settings_for(profile)
    split = prepare_data(cifar, settings, seed=seed)
    progress(f"ex08 {profile.name}: {len(split.y_train)} training images, {len(split.y_val)} "
             f"validation, {len(split.y_test)} test")

    timings = {}

    def save(stage: str):
        # Written after every stage, so a run cut short still leaves what it measured.
        runtime = time.perf_counter() - started
        seeds = [seed, *metrics.get("curve", {}).get("seeds", [])]
        write_results(EXERCISE, {**metrics, "completed_stage": stage}, profile=profile,
                      data_source=source or getattr(cifar, "source", None), seeds=seeds,
                      runtime_s=runtime, out_dir=results_dir, extra={"settings": asdict(settings)})

    t0 = time.perf_counter()
    keras.utils.set_random_seed(seed)
    untrained = build_dae(
        hidden_filters=settings.hidden_filters, coding_filters=settings.coding_filters)
    mse_untrained = model_reconstruction_mse(untrained.autoencoder, split.x_test)
    dae, dae_history = train_dae(split, settings, seed=seed, verbose=verbose)
    dae_mse = model_reconstruction_mse(dae.autoencoder, split.x_test)
    timings["dae_s"] = time.perf_counter() - t0
    progress(f"DAE test MSE {dae_mse:.5f} (untrained {mse_untrained:.4f})")
    metrics = {
        "dae": {
            "test_mse": dae_mse,
            "test_mse_untrained": mse_untrained,
            "loss_per_epoch": dae_history["loss"],
            "val_loss_per_epoch": dae_history.get("val_loss", []),
            "epochs": settings.dae_epochs,
            "train_images": int(len(split.y_train)),
            "seconds": timings["dae_s"],
        },
        "classifier": {},
    }
    save("dae")

    t0 = time.perf_counter()
    idx10 = stratified_subset(split.y_train, settings.classifier_fraction, seed=seed)
    runs = [(f"{m}_10pct", m, idx10) for m in METHODS]
    runs.append(("scratch_100pct", "scratch", np.arange(len(split.y_train))))
    for name, method, idx in runs:
        model, info = train_classifier(method, dae.encoder, split.x_train[idx], split.y_train[idx],
                                       split, settings, seed=seed, budget_images=settings.budget_images)
        info["test_accuracy"] = evaluate_classifier(model, split.x_test, split.y_test)
        metrics["classifier"][name] = info
        progress(f"{name:<28} {info['labelled']:>6} labels, {info['epochs']:>2} epochs: "
                 f"test accuracy {info['test_accuracy']:.3f} ({info['train_seconds']:.0f} s)")
        save(name)
    timings["classifiers_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    metrics["curve"] = label_fraction_curve(dae.encoder, split, settings, seed=seed, progress=progress)
    timings["curve_s"] = time.perf_counter() - t0

    metrics["answer"] = answer(metrics)
    runtime = time.perf_counter() - started
    metrics["timings"] = {**timings, "total_s": runtime}
    metrics["targets"] = targets_report(metrics, runtime)
    save("complete")
    return {**metrics, "completed_stage": "complete"}


def summary_lines(metrics: dict) -> list[str]:
    """Human-readable lines of a results ``metrics`` dict (CLI and notebook)."""
    lines = [f"DAE test MSE: {metrics['dae']['test_mse']:.5f}"]
    for name, info in metrics["classifier"].items():
        lines.append(f"{name}: {info['test_accuracy']:.3f} ({info['labelled']} labels, {info['epochs']} epochs)")
    for key, target in metrics.get("targets", {}).items():
        lines.append(f"target {key}: {'met' if target['met'] else 'MISSED'} (value {target['value']})")
    return lines


__all__ = [
    "EXERCISE", "TARGETS", "Ex08Settings", "Ex08Data", "settings_for", "schedule_for", "prepare_data",
    "train_dae", "fit_dae", "top_activating", "train_classifier", "evaluate_classifier", "label_fraction_curve",
    "answer", "targets_report", "run", "summary_lines",
]
