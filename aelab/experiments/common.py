"""What every exercise's ``run()`` does first: resolve the profile and the data."""

from __future__ import annotations

from .. import config


def resolve_inputs(profile, data_source=None, data=None):
    """Return ``(Profile, source path or None, CifarData)`` for an experiment run.

    ``profile``: a :class:`~aelab.config.Profile`, its name, or ``None`` for
    ``$AELAB_PROFILE``; ``data``: an already-loaded :class:`aelab.data.CifarData`,
    else it is loaded from ``data_source`` / ``$AELAB_DATA`` / the download cache.
    """
    from ..data import load_cifar10

    if not isinstance(profile, config.Profile):
        profile = config.get_profile(profile)
    source = config.data_source(data_source)
    cifar = data if data is not None else load_cifar10(source, progress=False)
    return profile, source, cifar
