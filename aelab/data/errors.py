"""The error the data layer raises for bad input: always says which file and what to do."""

from __future__ import annotations


class DataError(ValueError):
    """A dataset source is missing, malformed, corrupt or fails its checksum.

    Subclasses :class:`ValueError` so that callers (and the CLI, which maps
    ``ValueError`` to exit code 2) treat it as bad input, not as a bug.
    """
