"""The examples in the compiled kernels' docstrings run (pytest's --doctest-modules only
collects ``.py`` files, so the extension modules are checked here)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import frame._core

MODULES = sorted(
    m.name for m in pkgutil.iter_modules(frame._core.__path__) if not m.name.startswith("_")
)


def test_every_kernel_module_is_listed() -> None:
    assert {"features", "hashing", "filter", "take"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    mod = importlib.import_module(f"frame._core.{name}")
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(mod, optionflags=flags, verbose=False, report=True)
    assert result.failed == 0
