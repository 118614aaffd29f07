"""Exercise 9: semantic hashing with a stacked autoencoder, against LSH, PCA and a CNN hash.

The whole experiment, used by ``aelab run ex09`` and by the solution notebook.

Protocol (fixed for every method and bit count): the *database* is the training
images (all 50,000 in the full profile), the *queries* are the test images;
relevant = same class. Every method is fitted on training images only. Metrics
(see :mod:`aelab.metrics.hashing`): tie-aware mAP and precision@k over the
Hamming ranking of the database, hash-lookup precision within Hamming radius 2,
and the size-weighted Gini purity of the test images' buckets (radius 0, 1, 2)
next to the singleton share (with many singletons, purity is trivially high).

Steps:

1. hyperparameters of the hashing autoencoder (noise level, hidden sizes,
   learning rate) by K-fold cross-validation on a subset of the training set,
   scored by validation mAP (held-out fold as queries, the other folds as
   database); the noise-level rows double as the noise ablation;
2. the chosen autoencoder trained on the training set, hashes of database and queries;
3. baselines on the same protocol and bit count: random-hyperplane LSH,
   PCA-sign, PCA-ITQ (fitted on training pixels) and the CNN hash (sigmoid layer
   below the softmax of a classifier trained on the training labels);
4. mAP and purity against the number of bits for every method.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field

import keras
import numpy as np

from .. import config
from ..data import load_cifar10, subsample
from ..data.pipeline import make_dataset
from ..data.subsample import stratified_indices
from ..metrics import hashing as hm
from ..models.hashing import build_cnn_hasher, build_hashing_autoencoder
from ..results import write_results
from ..retrieval import PCAITQ, PCASign, RandomHyperplaneLSH, binarize, pack_bits

EXERCISE = "ex09"
NUM_BITS = 30
PRECISION_KS = (10, 100, 1000)


@dataclass(frozen=True)
class Settings:
    """Sizes of one profile. ``None`` sizes mean the whole split."""

    n_train: int | None            # database (and training pool) size
    n_test: int | None             # queries
    cv_subset: int                 # training images used by cross-validation
    cv_folds: int
    cv_epochs: int
    cv_grid: tuple[dict, ...]      # each: noise_stddev, hidden_sizes, learning_rate
    ae_train: int                  # images the final autoencoder trains on
    ae_epochs: int
    cnn_train: int
    cnn_epochs: int
    sweep_bits: tuple[int, ...]
    sweep_ae_train: int
    sweep_ae_epochs: int
    sweep_queries: int
    batch_size: int = 128
    default_model: dict = field(default_factory=lambda: {
        "noise_stddev": 4.0, "hidden_sizes": (512, 256), "learning_rate": 1e-3})


def _grid(default: dict, noise=(), hidden=(), rates=()) -> tuple[dict, ...]:
    """One-factor-at-a-time grid around ``default`` (a full factorial is too slow on 2 cores)."""
    rows = [dict(default)]
    rows += [{**default, "noise_stddev": float(v)} for v in noise if v != default["noise_stddev"]]
    rows += [{**default, "hidden_sizes": tuple(v)} for v in hidden if tuple(v) != default["hidden_sizes"]]
    rows += [{**default, "learning_rate": float(v)} for v in rates if v != default["learning_rate"]]
    return tuple(rows)


def settings_for(profile: config.Profile) -> Settings:
    """Quick (CI, about a minute) or full (the book, under 20 minutes on 2 cores) sizes.

    The full sizes were cut to fit 20 minutes on a 2-core machine shared with
    other jobs (load average about 10 when measured); on an idle machine the
    same run takes a fraction of that, and ``ae_train``/``cnn_train``/epochs
    are the first knobs to raise.
    """
    default = {"noise_stddev": 4.0, "hidden_sizes": (512, 256), "learning_rate": 1e-3}
    return profile.pick(
        quick=Settings(
            n_train=2000, n_test=500, cv_subset=600, cv_folds=2, cv_epochs=1,
            cv_grid=_grid(default, noise=(0.0,)),
            ae_train=2000, ae_epochs=3, cnn_train=2000, cnn_epochs=2,
            sweep_bits=(16, 30), sweep_ae_train=800, sweep_ae_epochs=1, sweep_queries=300,
            default_model=default,
        ),
        full=Settings(
            n_train=None, n_test=None, cv_subset=900, cv_folds=3, cv_epochs=2,
            cv_grid=_grid(default, noise=(0.0, 16.0), hidden=((256, 128),), rates=(3e-3,)),
            ae_train=8000, ae_epochs=4, cnn_train=6000, cnn_epochs=4,
            sweep_bits=(8, 16, 30, 48), sweep_ae_train=1500, sweep_ae_epochs=2, sweep_queries=1000,
            default_model=default,
        ),
    )


# ---------------------------------------------------------------------------
# Training and hashing


def fit_autoencoder(autoencoder, x_train, *, epochs, batch_size=128, seed=0, x_val=None, verbose=0):
    """Train a compiled autoencoder on ``(n, 32, 32, 3) uint8`` images (targets = inputs).

    ``x_val`` (uint8) is ``fit``'s validation set; early stopping on its loss
    (or on the training loss without it) restores the best weights. Returns the history dict.
    """
    keras.utils.set_random_seed(seed)
    train = make_dataset(x_train, batch_size=batch_size, shuffle=True, seed=seed)
    val = make_dataset(x_val, batch_size=512) if x_val is not None else None
    callbacks = [keras.callbacks.EarlyStopping(
        monitor="val_loss" if val is not None else "loss", patience=2, restore_best_weights=True)]
    history = autoencoder.fit(train, validation_data=val, epochs=epochs, callbacks=callbacks,
                              verbose=verbose)
    return history.history


def train_hashing_autoencoder(x_train, *, num_bits=NUM_BITS, noise_stddev, hidden_sizes,
                              learning_rate, epochs, batch_size=128, seed=0, x_val=None,
                              verbose=0):
    """Build (:func:`aelab.models.hashing.build_hashing_autoencoder`) and train on uint8 images.

    Returns ``(autoencoder, encoder, history_dict)``.
    """
    keras.utils.set_random_seed(seed)
    autoencoder, encoder = build_hashing_autoencoder(
        num_bits=num_bits, hidden_sizes=tuple(hidden_sizes), noise_stddev=noise_stddev,
        learning_rate=learning_rate, image_shape=x_train.shape[1:])
    history = fit_autoencoder(autoencoder, x_train, epochs=epochs, batch_size=batch_size, seed=seed,
                              x_val=x_val, verbose=verbose)
    return autoencoder, encoder, history


def encode(model, x, batch_size: int = 512) -> np.ndarray:
    """Codes ``(n, b) float32`` of ``(n, 32, 32, 3) uint8`` images (batches scaled to [0, 1])."""
    return model.predict(make_dataset(x, batch_size=batch_size, target=None), verbose=0)


def train_cnn_hasher(x_train, y_train, *, num_bits=NUM_BITS, epochs, batch_size=128, seed=0,
                     validation_share=0.1, verbose=0):
    """Train the CNN classifier with a sigmoid hash layer; returns ``(classifier, hasher, history)``."""
    keras.utils.set_random_seed(seed)
    val_idx = stratified_indices(y_train, max(int(len(y_train) * validation_share), 10), seed=seed)
    fit_mask = np.ones(len(y_train), bool)
    fit_mask[val_idx] = False
    classifier, hasher = build_cnn_hasher(num_bits=num_bits, num_classes=int(y_train.max()) + 1,
                                          image_shape=x_train.shape[1:])
    train = make_dataset(x_train[fit_mask], y_train[fit_mask], target="label", batch_size=batch_size,
                         shuffle=True, seed=seed)
    val = make_dataset(x_train[val_idx], y_train[val_idx], target="label", batch_size=512)
    callbacks = [keras.callbacks.EarlyStopping(monitor="val_accuracy", patience=2,
                                               restore_best_weights=True)]
    history = classifier.fit(train, validation_data=val, epochs=epochs, callbacks=callbacks,
                             verbose=verbose)
    return classifier, hasher, history.history


def flat_pixels(x, start: int = 0, stop: int | None = None) -> np.ndarray:
    """``(n, 32, 32, 3) uint8`` -> ``(m, 3072) float32`` in [0, 1] for rows ``start:stop``."""
    return x[start:stop].reshape(len(x[start:stop]), -1).astype(np.float32) / 255.0


def linear_baseline_bits(kind: str, num_bits: int, x_fit, x_sets, *, seed=0, chunk=5000):
    """Fit ``lsh``/``pca``/``itq`` on ``x_fit`` (uint8 images) and hash each array of ``x_sets``.

    Returns a list of ``(n_i, num_bits) uint8`` bit arrays, one per entry of ``x_sets``.
    """
    hashers = {"lsh": RandomHyperplaneLSH, "pca": PCASign, "itq": PCAITQ}
    if kind not in hashers:
        raise ValueError(f"unknown baseline {kind!r}: use one of {sorted(hashers)}")
    model = hashers[kind](num_bits, seed=seed).fit(flat_pixels(x_fit))
    # Chunks keep the float32 copy of 50,000 images (614 MB) out of memory.
    return [np.concatenate([model.hash(flat_pixels(x, s, s + chunk)) for s in range(0, len(x), chunk)])
            for x in x_sets]


# ---------------------------------------------------------------------------
# Evaluation


def evaluate_hashes(db_bits, db_labels, query_bits, query_labels, *, query_codes=None,
                    full: bool = True) -> dict:
    """Every metric of one hashing on the query/database protocol.

    ``db_bits (nd, b)``, ``query_bits (nq, b)`` uint8; labels ``(nd,)``, ``(nq,)``.
    ``query_codes (nq, b)`` float in [0, 1] adds the saturation statistics.
    ``full=False`` computes only mAP and the radius-0 purity (for sweeps).
    """
    num_bits = db_bits.shape[1]
    db_packed, query_packed = pack_bits(db_bits), pack_bits(query_bits)
    ks = [k for k in PRECISION_KS if k <= len(db_labels)] if full else []
    # mAP and precision@k share one pass over the query x database distances.
    ranking = hm.ranking_metrics(query_packed, query_labels, db_packed, db_labels,
                                 num_bits=num_bits, ks=ks)
    out = {
        "map": ranking["map"],
        "gini_purity": hm.gini_purity(query_bits, query_labels),
        "singleton_share": hm.singleton_share(query_bits),
    }
    if not full:
        return out
    out["gini_purity_non_singleton"] = hm.gini_purity(query_bits, query_labels, min_bucket_size=2)
    out["gini_purity_r1"] = hm.gini_purity(query_bits, query_labels, radius=1)
    out["gini_purity_r2"] = hm.gini_purity(query_bits, query_labels, radius=2)
    out["buckets"] = hm.bucket_size_distribution(query_bits)
    out["precision_at_k"] = {str(k): v for k, v in ranking["precision_at_k"].items()}
    out["lookup_r2"] = hm.hash_lookup_precision(query_packed, query_labels, db_packed, db_labels,
                                                num_bits=num_bits, radius=2)
    balance = hm.bit_balance(db_bits)
    _, mean_abs_corr = hm.bit_correlation(db_bits)
    out["bits"] = {
        "balance": balance,
        "dead_bits": int(((balance < 0.01) | (balance > 0.99)).sum()),
        "mean_abs_correlation": mean_abs_corr,
    }
    if query_codes is not None:
        sat = hm.saturation_histogram(query_codes)
        out["saturation"] = {"counts": sat["counts"], "edges": sat["edges"],
                             "saturated_share": sat["saturated_share"]}
    return out


def cross_validate(x, y, grid, *, folds: int, epochs: int, batch_size: int = 128, seed: int = 0,
                   progress=print) -> list[dict]:
    """K-fold CV of the hashing autoencoder over ``grid`` on ``(n, 32, 32, 3) uint8`` images.

    For each fold, the model trains on the other folds (which are also the
    database) and the held-out fold is the query set. Returns one row per grid
    entry with the mean and standard deviation over folds of the validation mAP,
    and the means of purity, singleton share and saturated share.
    """
    if folds < 2:
        raise ValueError("cross-validation needs folds >= 2")
    order = np.random.default_rng(seed).permutation(len(x))
    parts = np.array_split(order, folds)
    rows = []
    for config_index, params in enumerate(grid):
        scores = {"map": [], "gini_purity": [], "singleton_share": [], "saturated_share": []}
        start = time.perf_counter()
        for k in range(folds):
            val = parts[k]
            fit = np.concatenate([p for j, p in enumerate(parts) if j != k])
            _, encoder, _ = train_hashing_autoencoder(
                x[fit], epochs=epochs, batch_size=batch_size, seed=seed + k, x_val=x[val], **params)
            fit_codes, val_codes = encode(encoder, x[fit]), encode(encoder, x[val])
            metrics = evaluate_hashes(binarize(fit_codes), y[fit], binarize(val_codes), y[val], full=False)
            for key in ("map", "gini_purity", "singleton_share"):
                scores[key].append(metrics[key])
            scores["saturated_share"].append(hm.saturation_histogram(val_codes)["saturated_share"])
        row = {**params, "hidden_sizes": list(params["hidden_sizes"]),
               "cv_map_mean": float(np.mean(scores["map"])), "cv_map_std": float(np.std(scores["map"])),
               **{f"cv_{k}": float(np.mean(v)) for k, v in scores.items() if k != "map"},
               "seconds": round(time.perf_counter() - start, 1)}
        rows.append(row)
        progress(f"  CV {config_index + 1}/{len(grid)} {params}: mAP {row['cv_map_mean']:.4f} "
                 f"+- {row['cv_map_std']:.4f} ({row['seconds']} s)")
    return rows


def best_params(rows: list[dict]) -> dict:
    """Hyperparameters of the CV row with the highest mean validation mAP."""
    best = max(rows, key=lambda r: r["cv_map_mean"])
    return {"noise_stddev": best["noise_stddev"], "hidden_sizes": tuple(best["hidden_sizes"]),
            "learning_rate": best["learning_rate"]}


def noise_ablation(rows: list[dict], chosen: dict) -> list[dict]:
    """CV rows that differ from ``chosen`` only by the noise level, sorted by noise."""
    same = [r for r in rows if tuple(r["hidden_sizes"]) == tuple(chosen["hidden_sizes"])
            and r["learning_rate"] == chosen["learning_rate"]]
    return sorted(same, key=lambda r: r["noise_stddev"])


def linear_baselines(x_db, y_db, x_q, *, num_bits=NUM_BITS, seed=0, fit_size=5000) -> dict:
    """LSH, PCA-sign and PCA-ITQ hashes ``{name: (db_bits, query_bits)}`` on the same protocol.

    Fitted on a stratified subset of ``fit_size`` database images (uint8).
    """
    fit_idx = stratified_indices(y_db, min(fit_size, len(y_db)), seed=seed + 3)
    out = {}
    for kind, name in (("lsh", "lsh"), ("pca", "pca_sign"), ("itq", "pca_itq")):
        db_b, q_b = linear_baseline_bits(kind, num_bits, x_db[fit_idx], [x_db, x_q], seed=seed)
        out[name] = (db_b, q_b)
    return out


def cnn_hashes(x_db, y_db, x_q, y_q, *, settings: Settings, num_bits=NUM_BITS, seed=0,
               verbose=0) -> dict:
    """Train the CNN hasher on a subset of the database and hash database and queries.

    Returns ``db_bits``, ``query_bits``, ``query_codes`` (before rounding),
    ``test_accuracy`` (of the classifier on the queries), ``epochs_run``, ``hasher``.
    """
    idx = stratified_indices(y_db, min(settings.cnn_train, len(y_db)), seed=seed + 4)
    classifier, hasher, history = train_cnn_hasher(
        x_db[idx], y_db[idx], num_bits=num_bits, epochs=settings.cnn_epochs,
        batch_size=settings.batch_size, seed=seed, verbose=verbose)
    db_codes, q_codes = encode(hasher, x_db), encode(hasher, x_q)
    accuracy = float(np.mean(np.argmax(encode(classifier, x_q), axis=1) == y_q))
    return {"db_bits": binarize(db_codes), "query_bits": binarize(q_codes), "query_codes": q_codes,
            "test_accuracy": accuracy, "epochs_run": len(history["loss"]), "hasher": hasher}


def bits_sweep(x_db, y_db, x_q, y_q, *, settings: Settings, chosen: dict, seed=0,
               thirty_bits=None) -> list[dict]:
    """mAP, purity and singleton share of every method for each of ``settings.sweep_bits``.

    Queries: a stratified subset of ``settings.sweep_queries`` test images.
    Autoencoders for the sweep train on ``settings.sweep_ae_train`` images;
    ``thirty_bits=(db_bits, query_bits)`` dicts (all queries) are reused for
    ``NUM_BITS`` instead of retraining (the 30-bit autoencoder is then the final model).
    """
    sweep_q = stratified_indices(y_q, min(settings.sweep_queries, len(y_q)), seed=seed + 5)
    ae_idx = stratified_indices(y_db, min(settings.sweep_ae_train, len(y_db)), seed=seed + 6)
    rows = []
    for num_bits in settings.sweep_bits:
        if num_bits == NUM_BITS and thirty_bits is not None:
            db_bits, q_bits = thirty_bits
            for name in ("lsh", "pca_sign", "pca_itq", "autoencoder"):
                rows.append({"method": name, "num_bits": num_bits, **evaluate_hashes(
                    db_bits[name], y_db, q_bits[name][sweep_q], y_q[sweep_q], full=False)})
            continue
        for name, (db_b, q_b) in linear_baselines(x_db, y_db, x_q[sweep_q], num_bits=num_bits,
                                                  seed=seed).items():
            rows.append({"method": name, "num_bits": num_bits,
                         **evaluate_hashes(db_b, y_db, q_b, y_q[sweep_q], full=False)})
        _, encoder, _ = train_hashing_autoencoder(
            x_db[ae_idx], num_bits=num_bits, epochs=settings.sweep_ae_epochs,
            batch_size=settings.batch_size, seed=seed, **chosen)
        rows.append({"method": "autoencoder", "num_bits": num_bits, **evaluate_hashes(
            binarize(encode(encoder, x_db)), y_db, binarize(encode(encoder, x_q[sweep_q])),
            y_q[sweep_q], full=False)})
    return rows


def nearest_by_hamming(query_bits, db_bits, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Ids ``(q, k)`` and distances ``(q, k)`` of each query's ``k`` nearest database hashes.

    Ties are broken by database order (stable sort), for a reproducible figure.
    """
    from ..retrieval import hamming_distances

    dist = hamming_distances(pack_bits(query_bits), pack_bits(db_bits))
    ids = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return ids, np.take_along_axis(dist, ids, axis=1)


# ---------------------------------------------------------------------------
# The whole run


def prepare_data(data=None, *, data_source=None, settings: Settings, seed: int = 42):
    """The protocol's data: all (full) or a stratified subset (quick) of CIFAR-10.

    ``data``: a loaded :class:`aelab.data.CifarData`, else it is loaded from
    ``data_source`` (``$AELAB_DATA``). Training images are the database, test images the queries.
    """
    if data is None:
        data = load_cifar10(data_source, progress=False)
    n_train = settings.n_train or len(data.y_train)
    n_test = settings.n_test or len(data.y_test)
    if n_train < len(data.y_train) or n_test < len(data.y_test):
        data = subsample(data, n_train, n_test, seed=seed)
    return data


def run(profile=None, *, data_source=None, seed: int = 42, results_dir=None, data=None,
        progress=print) -> dict:
    """Run exercise 9 end to end and write ``results/ex09-<profile>.json``; returns the metrics."""
    profile = config.get_profile(profile) if not isinstance(profile, config.Profile) else profile
    settings = settings_for(profile)
    start = time.perf_counter()
    timings = {}

    def lap(name, since):
        timings[name] = round(time.perf_counter() - since, 2)
        progress(f"[{name}: {timings[name]:.1f} s]")
        return time.perf_counter()

    t = time.perf_counter()
    data = prepare_data(data, data_source=config.data_source(data_source), settings=settings, seed=seed)
    x_db, y_db, x_q, y_q = data.x_train, data.y_train, data.x_test, data.y_test
    progress(f"ex09 ({profile.name}): database {len(y_db)} training images, {len(y_q)} test queries")
    t = lap("load", t)

    # 1. Cross-validation on a training subset.
    cv_idx = stratified_indices(y_db, min(settings.cv_subset, len(y_db)), seed=seed)
    cv_rows = cross_validate(x_db[cv_idx], y_db[cv_idx], settings.cv_grid, folds=settings.cv_folds,
                             epochs=settings.cv_epochs, batch_size=settings.batch_size, seed=seed,
                             progress=progress)
    chosen = best_params(cv_rows)
    progress(f"chosen by CV: {chosen}")
    t = lap("cross_validation", t)

    # 2. Final autoencoder.
    ae_idx = stratified_indices(y_db, min(settings.ae_train, len(y_db)), seed=seed + 1)
    val_idx = stratified_indices(y_db, min(1000, len(y_db) // 10), seed=seed + 2)
    autoencoder, encoder, ae_history = train_hashing_autoencoder(
        x_db[ae_idx], epochs=settings.ae_epochs, batch_size=settings.batch_size, seed=seed,
        x_val=x_db[val_idx], **chosen)
    db_codes, q_codes = encode(encoder, x_db), encode(encoder, x_q)
    db_bits = {"autoencoder": binarize(db_codes)}
    q_bits = {"autoencoder": binarize(q_codes)}
    q_real = {"autoencoder": q_codes}
    t = lap("autoencoder", t)

    # 3. Baselines, same bit count and protocol.
    for name, (db_b, q_b) in linear_baselines(x_db, y_db, x_q, num_bits=NUM_BITS, seed=seed).items():
        db_bits[name], q_bits[name] = db_b, q_b
    t = lap("linear_baselines", t)
    cnn = cnn_hashes(x_db, y_db, x_q, y_q, settings=settings, seed=seed)
    db_bits["cnn"], q_bits["cnn"], q_real["cnn"] = cnn["db_bits"], cnn["query_bits"], cnn["query_codes"]
    t = lap("cnn", t)

    methods = {}
    for name in db_bits:
        methods[name] = evaluate_hashes(db_bits[name], y_db, q_bits[name], y_q,
                                        query_codes=q_real.get(name))
        progress(f"  {name:12s} mAP {methods[name]['map']:.4f}  purity {methods[name]['gini_purity']:.3f}"
                 f"  singletons {methods[name]['singleton_share']:.3f}"
                 f"  purity(non-singleton) {methods[name]['gini_purity_non_singleton']:.3f}")
    t = lap("evaluation", t)

    # 4. Purity and mAP against the number of bits (a subset of queries).
    sweep = bits_sweep(x_db, y_db, x_q, y_q, settings=settings, chosen=chosen, seed=seed,
                       thirty_bits=(db_bits, q_bits))
    for num_bits in settings.sweep_bits:
        progress(f"  bits {num_bits}: " + ", ".join(
            f"{r['method']} {r['map']:.4f}" for r in sweep if r["num_bits"] == num_bits))
    t = lap("bits_sweep", t)

    runtime = time.perf_counter() - start
    ae, lsh, pca = methods["autoencoder"], methods["lsh"], methods["pca_sign"]
    metrics = {
        "protocol": {"database": "train", "queries": "test", "num_database": int(len(y_db)),
                     "num_queries": int(len(y_q)), "num_bits": NUM_BITS, "relevance": "same class"},
        "settings": {**asdict(settings), "cv_grid": [dict(g, hidden_sizes=list(g["hidden_sizes"]))
                                                     for g in settings.cv_grid]},
        "cross_validation": cv_rows,
        "chosen": {**chosen, "hidden_sizes": list(chosen["hidden_sizes"])},
        "noise_ablation": noise_ablation(cv_rows, chosen),
        "autoencoder_training": {"epochs_run": len(ae_history["loss"]),
                                 "final_loss": ae_history["loss"][-1],
                                 "final_val_loss": ae_history["val_loss"][-1]},
        "cnn_training": {"epochs_run": cnn["epochs_run"], "test_accuracy": cnn["test_accuracy"]},
        "methods": methods,
        "bits_sweep": sweep,
        "targets": {
            "ae_beats_lsh_and_pca_on_map": bool(ae["map"] > max(lsh["map"], pca["map"])),
            "ae_beats_lsh_and_pca_on_gini_purity": bool(
                ae["gini_purity"] > max(lsh["gini_purity"], pca["gini_purity"])),
            "cnn_beats_ae_on_map": bool(methods["cnn"]["map"] > ae["map"]),
            "runtime_budget_s": profile.pick(quick=120, full=1200),
            "runtime_within_budget": bool(runtime <= profile.pick(quick=120, full=1200)),
        },
        "timings_s": timings,
        "runtime_s": round(runtime, 2),
    }
    path = write_results(EXERCISE, metrics, profile=profile, data_source=config.data_source(data_source),
                         seeds=[seed], runtime_s=runtime, out_dir=results_dir)
    progress(f"wrote {path} in {runtime:.0f} s")
    return metrics
