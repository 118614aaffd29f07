"""``aelab run EXERCISE``: run an exercise's experiment without a notebook."""

from __future__ import annotations

import importlib

from .. import config

EXERCISES = {
    "ex08": "denoising-autoencoder pretraining for a CIFAR-10 classifier",
    "ex09": "semantic hashing with a stacked autoencoder",
    "ex10": "variational autoencoder that generates CIFAR-10 images",
}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run an exercise's experiment (quick or full profile), writing results JSON",
        description="Run an exercise end to end and write results/<exercise>-<profile>.json.",
    )
    parser.add_argument("exercise", choices=sorted(EXERCISES), help="which exercise")
    parser.add_argument("--profile", choices=config.PROFILES, default=None,
                        help="quick (CI, grading) or full (the book); default $AELAB_PROFILE or full")
    parser.add_argument("--data", default=None,
                        help="CIFAR-10 source (archive, batches dir, image folder or .tar.gz of one); "
                             "default $AELAB_DATA or the download cache")
    parser.add_argument("--seed", type=int, default=42, help="base random seed (default 42)")
    parser.add_argument("--results", default=None, help="results directory (default $AELAB_RESULTS or ./results)")
    parser.set_defaults(func=_run)


def _run(args) -> int:
    profile = config.get_profile(args.profile)
    module = importlib.import_module(f"aelab.experiments.{args.exercise}")
    metrics = module.run(
        profile,
        data_source=config.data_source(args.data),
        seed=args.seed,
        results_dir=args.results,
    )
    for key, value in _scalar_leaves(metrics):
        print(f"{key:<60} {value:.4g}" if isinstance(value, float) else f"{key:<60} {value}")
    print(f"results: {config.results_dir(args.results) / f'{args.exercise}-{profile.name}.json'}")
    return 0


def _scalar_leaves(tree, prefix=""):
    """Yield ``(dotted.key, value)`` for the numbers and strings of a nested dict.

    Per-epoch histories and curves (lists) stay in the JSON file: a terminal
    summary of them would bury the headline numbers.
    """
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from _scalar_leaves(value, f"{name}.")
        elif isinstance(value, bool | int | float | str):
            yield name, value
