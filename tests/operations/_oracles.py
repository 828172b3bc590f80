"""pyarrow-based reference helpers shared by the operation tests."""

from __future__ import annotations

import pyarrow as pa


def take_rows(table: pa.Table, indices: list[int]) -> pa.Table:
    """Rows of ``table`` at ``indices`` via pyarrow (which has no take kernel for string_view)."""
    idx = pa.array(indices, pa.int64())
    cols = []
    for col in table.columns:
        arr = col.combine_chunks()
        if pa.types.is_string_view(arr.type):
            cols.append(arr.cast(pa.large_string()).take(idx).cast(arr.type))
        else:
            cols.append(arr.take(idx))
    return pa.Table.from_arrays(cols, schema=table.schema)
