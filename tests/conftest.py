"""Shared pytest configuration.

Loads the hypothesis profile named by ``FRAME_HYPOTHESIS_PROFILE`` (default ``fast``; CI uses
``ci``) and tags every hypothesis test with the ``hypothesis`` marker so ``-m "not hypothesis"``
gives a quick example-only loop.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import is_hypothesis_test
from hypothesis.configuration import set_hypothesis_home_dir

from frame.testing.profiles import load_profile

# Keep hypothesis' example database and caches out of the repository root: pyproject's
# norecursedirs replaces pytest's defaults (".*"), so a root ".hypothesis" directory makes the
# hypothesis plugin warn during collection, which filterwarnings=error turns into an error.
# build/ is git-ignored and never collected.
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(Path(__file__).resolve().parent.parent / "build" / "hypothesis")

load_profile()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_hypothesis_test(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.hypothesis)
