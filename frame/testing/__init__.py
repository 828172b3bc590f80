"""Testing helpers for frame and for libraries built on it.

- :mod:`frame.testing.asserts`: :func:`assert_frame_equal`, :func:`assert_series_equal`
  (and their ``_not_`` counterparts), NaN-, null- and chunking-aware comparisons.
- :mod:`frame.testing.strategies`: hypothesis strategies for Arrow types, arrays, chunked
  arrays, tables and key columns with the edge cases kernels get wrong.
- :mod:`frame.testing.profiles`: hypothesis profiles selected by ``FRAME_HYPOTHESIS_PROFILE``.

The strategies need ``hypothesis``; they are imported on first use so the asserts work
without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from frame.testing.asserts import (
    assert_frame_equal,
    assert_frame_not_equal,
    assert_series_equal,
    assert_series_not_equal,
)
from frame.testing.chunks import rechunk

if TYPE_CHECKING:
    from frame.testing.strategies import (
        arrays,
        arrow_types,
        chunked_arrays,
        column,
        key_columns,
        tables,
    )

__all__ = [
    "arrays",
    "arrow_types",
    "assert_frame_equal",
    "assert_frame_not_equal",
    "assert_series_equal",
    "assert_series_not_equal",
    "chunked_arrays",
    "column",
    "key_columns",
    "rechunk",
    "tables",
]

_STRATEGIES = frozenset(
    {"arrays", "arrow_types", "chunked_arrays", "column", "key_columns", "tables"}
)


def __getattr__(name: str) -> Any:
    if name in _STRATEGIES:
        from frame.testing import strategies

        return getattr(strategies, name)
    msg = f"module 'frame.testing' has no attribute {name!r}"
    raise AttributeError(msg)


def __dir__() -> list[str]:
    return sorted(set(globals()) | _STRATEGIES)
