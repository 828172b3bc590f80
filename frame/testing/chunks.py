"""Re-chunking helpers: results must never depend on how a column is chunked."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

__all__ = ["rechunk"]


def rechunk(table: pa.Table, sizes: Sequence[int]) -> pa.Table:
    """The same data cut into chunks of the given sizes (the last chunk takes the rest).

    Sizes may be 0 (empty chunks are kept: producers hand them over too).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from frame.testing import rechunk
    >>> t = rechunk(pa.table({"a": [1, 2, 3]}), [1, 0])
    >>> [len(c) for c in t.column("a").chunks]
    [1, 0, 2]
    """
    cols = []
    for col in table.columns:
        arr = col.combine_chunks()
        pieces, start = [], 0
        for size in sizes:
            pieces.append(arr.slice(start, size))
            start += size
        pieces.append(arr.slice(start))
        cols.append(pa.chunked_array(pieces, type=arr.type))
    return pa.Table.from_arrays(cols, schema=table.schema)
