"""Turn whatever the user has into a ``pyarrow.Table`` (the one place that does it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.types as pat

from frame.dtypes import to_arrow_type, type_name
from frame.exceptions import (
    DuplicateError,
    InvalidOperationError,
    SchemaError,
    ShapeError,
    UnsupportedTypeError,
)


def normalize_schema(schema: Any) -> dict[str, pa.DataType] | None:
    """``{name: type}`` from a pa.Schema, a mapping or a list of (name, type) pairs."""
    if schema is None:
        return None
    if isinstance(schema, pa.Schema):
        check_names(schema.names)
        return {f.name: f.type for f in schema}
    if isinstance(schema, Mapping):
        return {str(k): to_arrow_type(v) for k, v in schema.items()}
    try:
        pairs = [(str(k), to_arrow_type(v)) for k, v in schema]
    except (TypeError, ValueError) as err:
        raise SchemaError(
            "schema must be a pyarrow.Schema, a dict {name: dtype} or a list of (name, dtype)"
        ) from err
    check_names([k for k, _ in pairs])
    return dict(pairs)


def to_chunked(values: Any, name: str, dtype: pa.DataType | None = None) -> pa.ChunkedArray:
    """One column from a list, NumPy array, pyarrow array, Series or anything Arrow-exportable."""
    from frame.series import Series

    if isinstance(values, Series):
        col = values.to_arrow_chunked()
    elif isinstance(values, pa.ChunkedArray):
        col = values
    elif isinstance(values, pa.Array):
        col = pa.chunked_array([values])
    elif isinstance(values, np.ndarray):
        col = pa.chunked_array([_from_numpy(values, name)])
    elif hasattr(values, "__arrow_c_stream__") and not isinstance(values, str | bytes):
        col = pa.chunked_array(values)
    elif hasattr(values, "__arrow_c_array__") and not isinstance(values, str | bytes):
        col = pa.chunked_array([pa.array(values)])
    elif _is_pandas_series(values):
        col = pa.chunked_array([pa.Array.from_pandas(values)])
    elif isinstance(values, str | bytes) or not isinstance(values, Sequence | range):
        if isinstance(values, Mapping) or np.isscalar(values) or values is None:
            raise ShapeError(
                f"column {name!r} must be a sequence of values, got a scalar "
                f"{type(values).__name__}; use fr.lit(...) in with_columns to broadcast a value"
            )
        try:
            values = list(values)
        except TypeError as err:
            raise InvalidOperationError(
                f"column {name!r}: cannot make a column from {type(values).__name__}"
            ) from err
        return to_chunked(values, name, dtype)
    else:
        try:
            col = pa.chunked_array([pa.array(values, type=dtype)])
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError) as err:
            raise SchemaError(
                f"column {name!r}: cannot convert the values to "
                f"{type_name(dtype) if dtype is not None else 'one Arrow type'}: {err}; "
                "make the values one type or pass schema={...}"
            ) from err
    if dtype is not None and col.type != dtype:
        col = cast_column(col, dtype, name)
    return col


def _from_numpy(values: np.ndarray, name: str) -> pa.Array:
    if values.ndim != 1:
        raise ShapeError(f"column {name!r}: expected a 1-D array, got shape {values.shape}")
    if values.dtype.kind in "OUS":
        return pa.array(values.tolist() if values.dtype.kind == "O" else values)
    try:
        return pa.array(values)  # zero-copy for numeric NumPy arrays
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise UnsupportedTypeError(
            f"column {name!r}: NumPy dtype {values.dtype} has no Arrow equivalent"
        ) from err


def _is_pandas_series(values: Any) -> bool:
    mod = type(values).__module__
    return mod.startswith("pandas") and type(values).__name__ == "Series"


def cast_column(col: pa.ChunkedArray, dtype: pa.DataType, name: str) -> pa.ChunkedArray:
    """Safe cast with a frame error naming the column."""
    try:
        if pat.is_dictionary(dtype) and not pat.is_dictionary(col.type):
            plain = col.cast(dtype.value_type)
            return pa.chunked_array(
                [c.dictionary_encode().cast(dtype) for c in plain.chunks], type=dtype
            )
        return col.cast(dtype)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError) as err:
        raise SchemaError(
            f"column {name!r} of type {type_name(col.type)} cannot be cast to "
            f"{type_name(dtype)}: {str(err).splitlines()[0]}"
        ) from err


def check_names(names: Sequence[str]) -> None:
    """Column names must be unique strings."""
    seen: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            raise SchemaError(f"column names must be str, got {type(name).__name__}: {name!r}")
        if name in seen:
            raise DuplicateError(f"column name {name!r} appears more than once; names must be unique")
        seen.add(name)


def table_from_columns(columns: dict[str, pa.ChunkedArray]) -> pa.Table:
    """Assemble columns of equal length into a table (ShapeError names the culprits)."""
    lengths = {name: len(col) for name, col in columns.items()}
    if len(set(lengths.values())) > 1:
        desc = ", ".join(f"{k!r}: {v}" for k, v in lengths.items())
        raise ShapeError(f"all columns must have the same length, got {desc}")
    if not columns:
        return pa.table({})
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))


def to_table(data: Any, schema: Any = None) -> pa.Table:
    """Build a table from the supported inputs (see ``DataFrame``)."""
    from frame.dataframe import DataFrame
    from frame.series import Series

    if isinstance(schema, list | tuple) and schema and all(isinstance(s, str) for s in schema):
        # polars style: schema=["a", "b"] only names the columns
        check_names(list(schema))
        table = to_table(data)
        if table.num_columns != len(schema):
            raise ShapeError(f"{len(schema)} names in schema for {table.num_columns} columns")
        return table.rename_columns(list(schema))
    types = normalize_schema(schema)
    if data is None:
        table = pa.table({name: pa.array([], type=t) for name, t in (types or {}).items()})
        return table
    if isinstance(data, DataFrame):
        table = data.to_arrow()
    elif isinstance(data, pa.Table):
        table = data
    elif isinstance(data, pa.RecordBatch):
        table = pa.Table.from_batches([data])
    elif isinstance(data, Series):
        table = pa.table({data.name: data.to_arrow_chunked()})
    elif isinstance(data, Mapping):
        check_names(list(data))
        cols = {
            name: to_chunked(values, name, None if types is None else types.get(name))
            for name, values in data.items()
        }
        return _apply_schema(table_from_columns(cols), types, strict_names=True)
    elif _is_pandas_frame(data):
        table = _from_pandas(data)
    elif isinstance(data, np.ndarray):
        if data.ndim != 2:
            raise ShapeError(f"a NumPy array input must be 2-D, got shape {data.shape}")
        names = list(types) if types else [f"column_{i}" for i in range(data.shape[1])]
        if len(names) != data.shape[1]:
            raise ShapeError(f"{len(names)} names for an array with {data.shape[1]} columns")
        cols = {n: to_chunked(np.ascontiguousarray(data[:, i]), n) for i, n in enumerate(names)}
        return _apply_schema(table_from_columns(cols), types, strict_names=True)
    elif hasattr(data, "__arrow_c_stream__"):
        table = pa.table(data)
    elif hasattr(data, "__arrow_c_array__"):
        table = pa.Table.from_batches([pa.record_batch(data)])
    elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
        table = _from_rows(list(data), types)
    else:
        raise InvalidOperationError(
            f"cannot make a DataFrame from {type(data).__name__}; pass a dict of columns, a list "
            "of dicts, a pyarrow Table, a pandas/polars frame or a NumPy 2-D array"
        )
    check_names(table.column_names)
    return _apply_schema(table, types, strict_names=False)


def _from_rows(rows: list[Any], types: dict[str, pa.DataType] | None) -> pa.Table:
    if not rows:
        return pa.table({n: pa.array([], type=t) for n, t in (types or {}).items()})
    from frame.series import Series

    if all(isinstance(r, Series) for r in rows):
        check_names([r.name for r in rows])
        return table_from_columns({r.name: r.to_arrow_chunked() for r in rows})
    if all(isinstance(r, Mapping) for r in rows):
        names: dict[str, None] = {}
        for r in rows:
            for k in r:
                names.setdefault(k, None)
        check_names(list(names))
        cols = {
            n: to_chunked([r.get(n) for r in rows], n, None if types is None else types.get(n))
            for n in names
        }
        return table_from_columns(cols)
    if all(isinstance(r, Sequence) and not isinstance(r, str | bytes) for r in rows):
        width = len(rows[0])
        if any(len(r) != width for r in rows):
            raise ShapeError("all rows must have the same number of values")
        names_list = list(types) if types else [f"column_{i}" for i in range(width)]
        if len(names_list) != width:
            raise ShapeError(f"{len(names_list)} names in schema for rows of {width} values")
        cols = {
            n: to_chunked([r[i] for r in rows], n, types.get(n) if types else None)
            for i, n in enumerate(names_list)
        }
        return table_from_columns(cols)
    raise InvalidOperationError(
        "a list input must hold dicts (one per row) or sequences (rows); got mixed items"
    )


def _apply_schema(
    table: pa.Table, types: dict[str, pa.DataType] | None, *, strict_names: bool
) -> pa.Table:
    if not types:
        return table
    missing = [n for n in types if n not in table.column_names]
    if missing and strict_names:
        raise SchemaError(f"schema names {missing} are not columns of the data")
    if missing:
        raise SchemaError(f"schema names {missing} are not columns of the data")
    cols = []
    for name in table.column_names:
        col = table.column(name)
        if name in types and col.type != types[name]:
            col = cast_column(col, types[name], name)
        cols.append(col)
    return pa.Table.from_arrays(cols, names=table.column_names)


def _is_pandas_frame(data: Any) -> bool:
    return type(data).__module__.startswith("pandas") and type(data).__name__ == "DataFrame"


def _from_pandas(df: Any) -> pa.Table:
    """pandas → Arrow; the index is kept as columns only when it carries information."""
    import pandas as pd

    preserve = not isinstance(df.index, pd.RangeIndex)
    check_names([str(c) for c in df.columns])
    if any(not isinstance(c, str) for c in df.columns):
        raise SchemaError(
            f"pandas column labels must be str, got {[c for c in df.columns if not isinstance(c, str)][:3]!r}; "
            "rename them with df.columns = df.columns.astype(str)"
        )
    try:
        table = pa.Table.from_pandas(df, preserve_index=preserve)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
        raise SchemaError(f"cannot convert the pandas frame: {err}") from err
    # unnamed index levels come out as "__index_level_0__"; give them readable names
    names = []
    for name in table.column_names:
        if name.startswith("__index_level_"):
            candidate = "index" if name == "__index_level_0__" else name.strip("_")
            while candidate in table.column_names or candidate in names:
                candidate = "_" + candidate
            name = candidate
        names.append(name)
    return table.rename_columns(names).replace_schema_metadata(None)
