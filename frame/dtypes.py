"""Data types: frame uses Arrow types directly and accepts friendly spellings for them.

``fr.Int64`` *is* ``pa.int64()``; every API that takes a dtype also accepts a name
(``"int64"``, ``"float32"``, ``"str"``, ``"category"``), a NumPy dtype or a Python type.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.types as pat

from frame.exceptions import SchemaError, UnsupportedTypeError

__all__ = [
    "Binary",
    "Boolean",
    "Categorical",
    "Date",
    "Float32",
    "Float64",
    "Int8",
    "Int16",
    "Int32",
    "Int64",
    "LargeString",
    "Null",
    "String",
    "StringView",
    "UInt8",
    "UInt16",
    "UInt32",
    "UInt64",
    "Datetime",
    "Duration",
    "Decimal",
    "to_arrow_type",
    "type_name",
]

Boolean = pa.bool_()
Int8, Int16, Int32, Int64 = pa.int8(), pa.int16(), pa.int32(), pa.int64()
UInt8, UInt16, UInt32, UInt64 = pa.uint8(), pa.uint16(), pa.uint32(), pa.uint64()
Float32, Float64 = pa.float32(), pa.float64()
String, LargeString, StringView = pa.string(), pa.large_string(), pa.string_view()
Binary = pa.binary()
Date = pa.date32()
Null = pa.null()
Categorical = pa.dictionary(pa.int32(), pa.string())


def Datetime(unit: str = "us", tz: str | None = None) -> pa.DataType:
    """Timestamp type with a unit (``"s"``, ``"ms"``, ``"us"``, ``"ns"``) and optional time zone.

    Examples
    --------
    >>> import frame as fr
    >>> fr.Datetime("ms", "UTC")
    TimestampType(timestamp[ms, tz=UTC])
    """
    return pa.timestamp(unit, tz=tz)


def Duration(unit: str = "us") -> pa.DataType:
    """Duration type with a unit.

    Examples
    --------
    >>> import frame as fr
    >>> fr.Duration("s")
    DurationType(duration[s])
    """
    return pa.duration(unit)


def Decimal(precision: int = 38, scale: int = 0) -> pa.DataType:
    """128-bit decimal type.

    Examples
    --------
    >>> import frame as fr
    >>> fr.Decimal(10, 2)
    Decimal128Type(decimal128(10, 2))
    """
    return pa.decimal128(precision, scale)


_NAMES: dict[str, pa.DataType] = {
    "bool": pa.bool_(),
    "boolean": pa.bool_(),
    "int8": pa.int8(),
    "int16": pa.int16(),
    "int32": pa.int32(),
    "int64": pa.int64(),
    "int": pa.int64(),
    "uint8": pa.uint8(),
    "uint16": pa.uint16(),
    "uint32": pa.uint32(),
    "uint64": pa.uint64(),
    "float16": pa.float16(),
    "float32": pa.float32(),
    "float64": pa.float64(),
    "float": pa.float64(),
    "double": pa.float64(),
    "str": pa.string(),
    "string": pa.string(),
    "utf8": pa.string(),
    "large_string": pa.large_string(),
    "string_view": pa.string_view(),
    "binary": pa.binary(),
    "large_binary": pa.large_binary(),
    "date": pa.date32(),
    "date32": pa.date32(),
    "category": Categorical,
    "categorical": Categorical,
    "null": pa.null(),
    "datetime": pa.timestamp("us"),
    "timestamp": pa.timestamp("us"),
}


def to_arrow_type(dtype: Any) -> pa.DataType:
    """Normalise a dtype spelling to a ``pyarrow.DataType``.

    Parameters
    ----------
    dtype
        A pyarrow type, a name such as ``"int64"`` / ``"str"`` / ``"category"``, a NumPy dtype,
        or one of the Python types ``int``, ``float``, ``str``, ``bool``.

    Raises
    ------
    SchemaError
        If the spelling is not recognised.

    Examples
    --------
    >>> from frame.dtypes import to_arrow_type
    >>> to_arrow_type("float32")
    DataType(float)
    >>> to_arrow_type(int)
    DataType(int64)
    """
    if isinstance(dtype, pa.DataType):
        return dtype
    if dtype is int:
        return pa.int64()
    if dtype is float:
        return pa.float64()
    if dtype is str:
        return pa.string()
    if dtype is bool:
        return pa.bool_()
    if isinstance(dtype, str):
        key = dtype.strip().lower()
        if key in _NAMES:
            return _NAMES[key]
        try:
            return pa.from_numpy_dtype(np.dtype(key))
        except (TypeError, ValueError, pa.ArrowNotImplementedError):
            pass
        known = ", ".join(sorted(_NAMES))
        raise SchemaError(f"unknown dtype {dtype!r}; use a pyarrow type or one of: {known}")
    try:
        return pa.from_numpy_dtype(np.dtype(dtype))
    except (TypeError, ValueError, pa.ArrowNotImplementedError) as err:
        raise SchemaError(
            f"cannot interpret {dtype!r} as a dtype; pass a pyarrow type or a name like 'int64'"
        ) from err


def type_name(dtype: pa.DataType) -> str:
    """Short, readable name of an Arrow type (used in repr and error messages).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from frame.dtypes import type_name
    >>> type_name(pa.dictionary(pa.int32(), pa.string()))
    'cat'
    >>> type_name(pa.timestamp("us", tz="UTC"))
    'datetime[us, UTC]'
    """
    if pat.is_dictionary(dtype):
        return "cat" if pat.is_string(dtype.value_type) or pat.is_large_string(dtype.value_type) else f"dict[{type_name(dtype.value_type)}]"
    if pat.is_boolean(dtype):
        return "bool"
    if pat.is_string(dtype):
        return "str"
    if pat.is_large_string(dtype):
        return "large_str"
    if pat.is_string_view(dtype):
        return "str_view"
    if pat.is_timestamp(dtype):
        return f"datetime[{dtype.unit}, {dtype.tz}]" if dtype.tz else f"datetime[{dtype.unit}]"
    if pat.is_duration(dtype):
        return f"duration[{dtype.unit}]"
    if pat.is_date32(dtype):
        return "date"
    if pat.is_decimal(dtype):
        return f"decimal({dtype.precision}, {dtype.scale})"
    if pat.is_floating(dtype):
        return {16: "f16", 32: "f32", 64: "f64"}[dtype.bit_width]
    if pat.is_integer(dtype):
        return f"{'u' if pat.is_unsigned_integer(dtype) else 'i'}{dtype.bit_width}"
    return str(dtype)


def is_numeric(dtype: pa.DataType) -> bool:
    """Integer, floating point or decimal."""
    return pat.is_integer(dtype) or pat.is_floating(dtype) or pat.is_decimal(dtype)


def is_string_like(dtype: pa.DataType) -> bool:
    """string, large_string or string_view (or a dictionary of those)."""
    if pat.is_dictionary(dtype):
        dtype = dtype.value_type
    return pat.is_string(dtype) or pat.is_large_string(dtype) or pat.is_string_view(dtype)


def is_temporal(dtype: pa.DataType) -> bool:
    """date, timestamp, duration or time."""
    return pat.is_temporal(dtype)


def require(ok: bool, what: str, column: str | None, dtype: pa.DataType, fix: str) -> None:
    """Raise UnsupportedTypeError naming the column, its type and a fix, unless ``ok``."""
    if not ok:
        where = f"column {column!r}" if column is not None else "the expression"
        raise UnsupportedTypeError(
            f"{what} is not supported for {where} of type {type_name(dtype)}; {fix}"
        )
