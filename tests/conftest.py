"""Shared pytest configuration.

Loads the hypothesis profile named by ``FRAME_HYPOTHESIS_PROFILE`` (default ``fast``; CI uses
``ci``) and tags every hypothesis test with the ``hypothesis`` marker so ``-m "not hypothesis"``
gives a quick example-only loop.
"""

from __future__ import annotations

import pytest
from hypothesis import is_hypothesis_test

from frame.testing.profiles import load_profile

load_profile()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if is_hypothesis_test(getattr(item, "obj", None)):
            item.add_marker(pytest.mark.hypothesis)
