"""frame's error tree.

Every error subclasses :class:`FrameError` *and* the builtin a Python user would try to catch
(``except KeyError`` catches a missing column), following pyarrow's dual inheritance.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ColumnNotFoundError",
    "ComputeError",
    "DuplicateError",
    "FrameError",
    "FrameWarning",
    "InvalidOperationError",
    "PerformanceWarning",
    "SchemaError",
    "ShapeError",
    "UnsupportedTypeError",
]


class FrameError(Exception):
    """Base class of every error frame raises on purpose."""


class ColumnNotFoundError(FrameError, KeyError):
    """A column name that does not exist; the message lists the closest existing names."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return Exception.__str__(self)

    @classmethod
    def for_name(cls, name: object, available: Iterable[str]) -> ColumnNotFoundError:
        available = list(available)
        close = difflib.get_close_matches(str(name), available, n=3, cutoff=0.5)
        if close:
            hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
        elif available:
            shown = ", ".join(repr(c) for c in available[:10])
            more = f" (and {len(available) - 10} more)" if len(available) > 10 else ""
            hint = f"available columns: {shown}{more}"
        else:
            hint = "the frame has no columns"
        return cls(f"column {name!r} not found; {hint}")


class DuplicateError(FrameError, ValueError):
    """Two columns would get the same name."""


class SchemaError(FrameError, TypeError):
    """Wrong or mismatched column types."""


class ShapeError(FrameError, ValueError):
    """Lengths or shapes that do not fit together."""


class InvalidOperationError(FrameError, ValueError):
    """An operation that is not valid for these arguments."""


class UnsupportedTypeError(FrameError, NotImplementedError):
    """An Arrow type that this operation does not support."""


class ComputeError(FrameError, RuntimeError):
    """A computation failed on valid input (e.g. a malformed file or an overflow)."""


class FrameWarning(UserWarning):
    """Base class of frame's warnings."""


class PerformanceWarning(FrameWarning):
    """frame fell back to a slower (copying) path."""
