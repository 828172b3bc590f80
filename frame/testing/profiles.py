"""Hypothesis profiles for frame's property tests.

Four profiles are registered when this module is imported:

``fast``
    50 examples per property; the default for local development.
``ci``
    60 examples, ``derandomize=True`` and ``database=None`` so CI never flakes and never
    depends on a local example database, no deadline (shared 2-core runners are noisy),
    ``print_blob=True`` so a failure can be replayed with ``@reproduce_failure``. The
    ``too_slow`` and ``data_too_large`` health checks are suppressed. The example count is
    sized so the whole suite stays under ~8 minutes on 2 cores.
``expensive``
    2000 examples; run by hand before releases and after kernel rewrites.
``debug``
    10 examples with verbose output.

Select a profile with the ``FRAME_HYPOTHESIS_PROFILE`` environment variable and call
:func:`load_profile` (``tests/conftest.py`` does this)::

    FRAME_HYPOTHESIS_PROFILE=ci python -m pytest tests
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Verbosity, settings

__all__ = ["DEFAULT_PROFILE", "ENV_VAR", "PROFILES", "load_profile"]

ENV_VAR = "FRAME_HYPOTHESIS_PROFILE"
DEFAULT_PROFILE = "fast"
PROFILES = ("fast", "ci", "expensive", "debug")

settings.register_profile("fast", max_examples=50)
settings.register_profile(
    "ci",
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("expensive", max_examples=2000, deadline=None)
settings.register_profile("debug", max_examples=10, verbosity=Verbosity.verbose)


def load_profile(name: str | None = None) -> str:
    """Load a registered hypothesis profile and return its name.

    Parameters
    ----------
    name
        Profile to load. ``None`` reads the ``FRAME_HYPOTHESIS_PROFILE`` environment
        variable and falls back to ``"fast"``.

    Returns
    -------
    str
        The name of the loaded profile.

    Raises
    ------
    ValueError
        If the name is not one of ``fast``, ``ci``, ``expensive`` or ``debug``.
    """
    if name is None:
        name = os.environ.get(ENV_VAR, "").strip() or DEFAULT_PROFILE
    if name not in PROFILES:
        msg = f"unknown hypothesis profile {name!r} (from {ENV_VAR}); use one of {', '.join(PROFILES)}"
        raise ValueError(msg)
    settings.load_profile(name)
    return name
