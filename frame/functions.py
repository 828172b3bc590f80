"""Top-level functions: concat, from_* constructors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from frame.dataframe import DataFrame
from frame.dtypes import type_name
from frame.exceptions import InvalidOperationError, SchemaError, ShapeError
from frame.series import Series

__all__ = ["concat", "from_arrow", "from_dicts", "from_numpy", "from_pandas", "from_polars"]


def concat(items: Iterable[DataFrame | Series], *, how: str = "vertical") -> Any:
    """Concatenate frames.

    ``how="vertical"`` stacks rows and requires identical names, order and types (the
    mismatch is named); ``"vertical_relaxed"`` casts to common types and reorders by name;
    ``"horizontal"`` puts columns side by side (same height, unique names).

    Examples
    --------
    >>> import frame as fr
    >>> a = fr.DataFrame({"x": [1], "y": ["a"]})
    >>> fr.concat([a, a]).shape
    (2, 2)
    """
    items = list(items)
    if not items:
        raise InvalidOperationError("concat needs at least one frame")
    if all(isinstance(i, Series) for i in items):
        first = items[0]
        for s in items[1:]:
            if s.dtype != first.dtype:
                raise SchemaError(
                    f"cannot concat Series of types {type_name(first.dtype)} and {type_name(s.dtype)}"
                )
        chunks = [c for s in items for c in s.to_arrow_chunked().chunks]
        return Series._from_chunked(first.name, pa.chunked_array(chunks, type=first.dtype))
    if not all(isinstance(i, DataFrame) for i in items):
        raise InvalidOperationError("concat takes only DataFrames or only Series")
    tables = [i.to_arrow() for i in items]
    if how == "vertical":
        first = tables[0].schema
        for k, t in enumerate(tables[1:], start=1):
            if t.schema != first:
                raise SchemaError(f"frame {k} does not match frame 0: {_schema_diff(first, t.schema)}")
        return DataFrame._from_table(pa.concat_tables(tables))
    if how == "vertical_relaxed":
        names = tables[0].column_names
        for k, t in enumerate(tables[1:], start=1):
            if set(t.column_names) != set(names):
                raise SchemaError(
                    f"frame {k} has columns {t.column_names}, frame 0 has {names}"
                )
        try:
            return DataFrame._from_table(
                pa.concat_tables([t.select(names) for t in tables], promote_options="permissive")
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError) as err:
            raise SchemaError(f"cannot find common column types: {err}") from err
    if how == "horizontal":
        heights = {t.num_rows for t in tables}
        if len(heights) > 1:
            raise ShapeError(f"horizontal concat needs equal heights, got {sorted(heights)}")
        cols: dict[str, pa.ChunkedArray] = {}
        for t in tables:
            for name, c in zip(t.column_names, t.columns):
                if name in cols:
                    raise SchemaError(f"column {name!r} appears in more than one frame")
                cols[name] = c
        return DataFrame._from_table(pa.Table.from_arrays(list(cols.values()), names=list(cols)))
    raise InvalidOperationError(
        f"unknown concat how={how!r}; use 'vertical', 'vertical_relaxed' or 'horizontal'"
    )


def _schema_diff(a: pa.Schema, b: pa.Schema) -> str:
    if a.names != b.names:
        return f"column names/order differ: {a.names} vs {b.names}"
    for fa, fb in zip(a, b):
        if fa.type != fb.type:
            return (
                f"column {fa.name!r} is {type_name(fa.type)} vs {type_name(fb.type)}; cast one "
                "side or use how='vertical_relaxed'"
            )
    return "schemas differ in metadata or nullability"


def from_arrow(data: Any, *, schema: Any = None) -> DataFrame | Series:
    """A DataFrame from any Arrow producer: pyarrow Table/RecordBatch/reader, or any object
    with ``__arrow_c_stream__`` / ``__arrow_c_array__`` (polars, pandas>=2.2, duckdb results).
    A pyarrow Array/ChunkedArray gives a Series.

    Examples
    --------
    >>> import frame as fr, pyarrow as pa
    >>> fr.from_arrow(pa.table({"a": [1, 2]})).shape
    (2, 1)
    """
    if isinstance(data, pa.Array | pa.ChunkedArray):
        return Series("", data)
    if isinstance(data, pa.RecordBatchReader):
        data = data.read_all()
    if isinstance(data, pa.Table | pa.RecordBatch):
        return DataFrame(data, schema=schema)
    if hasattr(data, "__arrow_c_stream__"):
        name = getattr(data, "name", "")
        name = name if isinstance(name, str) else ""
        if hasattr(data, "__arrow_c_schema__"):
            dtype = pa.DataType._import_from_c_capsule(data.__arrow_c_schema__())
            if pa.types.is_struct(dtype):
                return DataFrame(pa.RecordBatchReader.from_stream(data).read_all(), schema=schema)
            return Series(name, pa.chunked_array(data))
        # read the stream exactly once: some producers are single-use
        column = pa.chunked_array(data)
        if pa.types.is_struct(column.type):
            batches = [pa.RecordBatch.from_struct_array(c) for c in column.chunks]
            table = pa.Table.from_batches(batches, schema=pa.schema(list(column.type)))
            return DataFrame(table, schema=schema)
        return Series(name, column)
    if hasattr(data, "__arrow_c_array__"):
        arr = pa.array(data)
        if pa.types.is_struct(arr.type):
            return DataFrame(pa.RecordBatch.from_struct_array(arr), schema=schema)
        return Series("", arr)
    raise InvalidOperationError(
        f"from_arrow needs an Arrow-exportable object, got {type(data).__name__}"
    )


def from_pandas(df: Any, *, schema: Any = None) -> DataFrame:
    """A DataFrame from a pandas DataFrame (a non-trivial index becomes columns).

    Examples
    --------
    >>> import frame as fr, pandas as pd
    >>> fr.from_pandas(pd.DataFrame({"a": [1.5, None]})).rows()
    [(1.5,), (None,)]
    """
    return DataFrame(df, schema=schema)


def from_polars(df: Any) -> DataFrame:
    """A DataFrame from a polars DataFrame (zero-copy through the Arrow C stream)."""
    return from_arrow(df)  # type: ignore[return-value]


def from_numpy(data: np.ndarray | dict[str, np.ndarray], *, schema: Any = None) -> DataFrame:
    """A DataFrame from a 2-D array (one column per array column) or a dict of 1-D arrays.

    Numeric arrays are shared with Arrow without a copy.

    Examples
    --------
    >>> import frame as fr, numpy as np
    >>> fr.from_numpy(np.arange(6).reshape(3, 2), schema=["a", "b"]).columns
    ['a', 'b']
    """
    if isinstance(schema, list) and all(isinstance(s, str) for s in schema):
        arr = np.asarray(data)
        if arr.ndim != 2 or arr.shape[1] != len(schema):
            raise ShapeError(f"{len(schema)} names for an array of shape {arr.shape}")
        return DataFrame({n: np.ascontiguousarray(arr[:, i]) for i, n in enumerate(schema)})
    return DataFrame(data, schema=schema)


def from_dicts(rows: list[dict[str, Any]], *, schema: Any = None) -> DataFrame:
    """A DataFrame from row dicts (missing keys are null)."""
    return DataFrame(rows, schema=schema)
