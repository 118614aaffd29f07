"""Command-line entry point: ``aelab <command> ...``.

Each subcommand lives in its own module under :mod:`aelab.commands` and exposes
``register(subparsers)``; this file only wires them together. Exit codes:
0 success, 1 a check or run failed, 2 bad usage or bad input (with a message
that says what to do).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand modules, in the order --help lists them.
COMMANDS = ("data", "run", "grade", "calibrate", "book")

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class UserError(Exception):
    """A problem with the user's input: printed without a traceback, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="aelab",
        description="Autoencoders chapter course: data, reference runs, book and autograder.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"aelab.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"aelab.commands.{name}":
                continue  # command not shipped yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or EXIT_OK)
    except (UserError, ValueError, FileNotFoundError, PermissionError) as exc:
        print(f"aelab {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print(f"aelab {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
