"""``aelab book``: run the solutions and build the Jupyter Book.

The default profile is ``full`` (what the published book shows, about an hour on
a 2-core CPU); ``--profile quick`` builds in a few minutes with small subsets.
"""

from __future__ import annotations

from .. import config


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "book",
        help="run the solution notebooks and build the book's HTML (default profile: full)",
        description=(
            "Execute the solution notebooks in the chosen profile on the configured CIFAR-10 "
            "source, build the Jupyter Book strictly (-W) into _build/html and print where to "
            "open it. Cached notebook outputs are reused only when the package, the data and "
            "the profile are unchanged."
        ),
    )
    parser.add_argument("--profile", choices=config.PROFILES, default=None,
                        help="full (default, what the book shows) or quick (a few minutes); "
                             "default $AELAB_PROFILE or full")
    parser.add_argument("--data", default=None,
                        help="CIFAR-10 source (archive, batches dir, image folder or .tar.gz of one); "
                             "default $AELAB_DATA or the download cache")
    parser.add_argument("--no-execute", action="store_true",
                        help="build without running the notebooks (pages show no outputs, "
                             "results from earlier runs if any)")
    parser.add_argument("--out", default=None,
                        help="output folder; the site goes to OUT/_build/html (default: repository)")
    parser.set_defaults(func=_book)


def _book(args) -> int:
    from ..book.build import BookBuildError, build_book

    try:
        built = build_book(
            args.profile, args.data, out_dir=args.out, execute=not args.no_execute
        )
    except BookBuildError as exc:
        print(f"aelab book: {exc}")
        return 1
    index = built.html_dir / "index.html"
    print(
        f"aelab book: built the {built.profile} profile in {built.seconds:.0f} s"
        f"{' (notebooks re-executed: package, data or profile changed)' if built.cache_cleared else ''}.\n"
        f"Open file://{index}\n"
        f"or serve it: python -m http.server -d {built.html_dir} 8000"
    )
    return 0
