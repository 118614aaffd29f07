"""Subcommands of the ``aelab`` CLI; each module has ``register(subparsers)``."""
