"""Table-level operations on top of the ``frame._core`` kernels.

This is the only module that calls the kernels. It maps chunked columns onto the single-array
kernels (filter runs chunk by chunk with the matching slice of the mask; take and sort combine
chunks first) and falls back to pyarrow for nested types, which the kernels do not cover.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from frame._core import filter as _filter
from frame._core import hashing as _hashing
from frame._core import sort as _sort
from frame._core import take as _take
from frame._core.arrow_view import UnsupportedLayout, layout_of
from frame.dtypes import type_name
from frame.exceptions import SchemaError, ShapeError, UnsupportedTypeError


def has_kernel_layout(dtype: pa.DataType) -> bool:
    """True when frame's own kernels handle this type (otherwise pyarrow is used)."""
    try:
        layout_of(dtype)
    except UnsupportedLayout:
        return False
    return True


def as_mask(mask: pa.ChunkedArray | pa.Array, height: int) -> pa.Array:
    """A single boolean array of ``height`` rows (null = not selected)."""
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks() if mask.num_chunks != 1 else mask.chunk(0)
    if pat.is_null(mask.type):
        mask = pa.nulls(len(mask), pa.bool_())
    if not pat.is_boolean(mask.type):
        raise SchemaError(
            f"a filter predicate must be boolean, got {type_name(mask.type)}; "
            "write a comparison such as col('x') > 0"
        )
    if len(mask) != height:
        raise ShapeError(f"the filter mask has {len(mask)} rows but the frame has {height}")
    return mask


def filter_column(column: pa.ChunkedArray, mask: pa.Array) -> pa.ChunkedArray:
    """Rows of ``column`` where ``mask`` is true; chunk structure is kept."""
    kernel = has_kernel_layout(column.type)
    out = []
    start = 0
    for chunk in column.chunks:
        n = len(chunk)
        piece = mask.slice(start, n)
        start += n
        out.append(_filter.filter_array(chunk, piece) if kernel else chunk.filter(piece))
    return pa.chunked_array(out, type=column.type)


def filter_table(table: pa.Table, mask: pa.Array) -> pa.Table:
    """Rows of ``table`` where ``mask`` is true (a null in the mask drops the row)."""
    columns = [filter_column(c, mask) for c in table.columns]
    if not columns:
        return pa.table({}).slice(0, 0) if table.num_rows == 0 else _empty_width_table(
            _filter.count_true(mask)
        )
    return pa.Table.from_arrays(columns, schema=table.schema)


def _empty_width_table(height: int) -> pa.Table:
    return pa.table({"__h": pa.nulls(height)}).drop(["__h"])


def filter_array(arr: pa.Array, mask: pa.Array) -> pa.Array:
    """Rows of one array where ``mask`` (same length, no offset requirement) is true."""
    return _filter.filter_array(arr, mask) if has_kernel_layout(arr.type) else arr.filter(mask)


def rank_codes(arr: pa.Array) -> np.ndarray:
    """Order-preserving uint64 codes of one array (ascending, nulls first)."""
    codes, _bits = _sort.rank_codes(arr, False, False)
    return np.asarray(codes)


def single(column: pa.ChunkedArray) -> pa.Array:
    """One contiguous array (chunks concatenated when there are several)."""
    return _single(column)


def _single(column: pa.ChunkedArray) -> pa.Array:
    """One contiguous array. Empty chunks are dropped first: producers may hand over
    zero-length slices whose offset points past a 0-byte buffer, which concatenation rejects."""
    chunks = [c for c in column.chunks if len(c)]
    if len(chunks) == 1:
        return chunks[0]
    if not chunks:
        return pa.array([], type=column.type)
    try:
        return pa.concat_arrays(chunks)
    except pa.ArrowInvalid:
        if not pat.is_dictionary(column.type):
            raise
        # Arrow cannot unify dictionaries that hold a null value: re-encode the values (a null
        # value becomes a null index, the same logical value)
        values = pa.concat_arrays([c.cast(column.type.value_type) for c in chunks])
        return pc.dictionary_encode(values).cast(column.type)


def take_column(
    column: pa.ChunkedArray, indices: np.ndarray, *, check_bounds: bool,
    all_valid_indices: bool = False,
) -> pa.Array:
    """Gather rows by int64 positions (-1 → null; ``all_valid_indices``: the caller knows
    there is no -1, so no validity is gathered for a source without nulls)."""
    arr = _single(column)
    if has_kernel_layout(arr.type):
        return _take.take_array(
            arr, indices, check_bounds=check_bounds, all_valid_indices=all_valid_indices
        )
    if check_bounds:
        bad = (indices < -1) | (indices >= len(arr))
        if bad.any():
            raise IndexError(f"index {int(indices[bad][0])} out of bounds for {len(arr)} rows")
    idx = pa.array(indices, mask=indices < 0)
    return arr.take(idx)


def take_table(table: pa.Table, indices: np.ndarray, *, check_bounds: bool = True) -> pa.Table:
    """Gather rows of every column."""
    indices = np.ascontiguousarray(indices, dtype=np.int64)
    if table.num_columns == 0:
        return _empty_width_table(len(indices))
    columns = [take_column(c, indices, check_bounds=check_bounds) for c in table.columns]
    return pa.Table.from_arrays(columns, schema=table.schema)


def argsort(
    keys: Sequence[pa.ChunkedArray], descending: Sequence[bool], nulls_last: Sequence[bool]
) -> np.ndarray:
    """Stable permutation that sorts rows by ``keys``."""
    arrays = []
    for key in keys:
        arr = _single(key)
        if not has_kernel_layout(arr.type):
            raise UnsupportedTypeError(f"sorting by a column of type {type_name(arr.type)} is not supported")
        arrays.append(arr)
    return np.asarray(_sort.argsort(arrays, list(descending), list(nulls_last)))


def factorize(columns: Sequence[pa.ChunkedArray]) -> tuple[np.ndarray, int, np.ndarray]:
    """Dense codes (first-appearance order), number of groups and first row of each group."""
    arrays = []
    for col in columns:
        arr = _single(col)
        if not has_kernel_layout(arr.type):
            raise UnsupportedTypeError(f"hashing a column of type {type_name(arr.type)} is not supported")
        arrays.append(arr)
    if len(arrays) == 1:
        codes, n, first = _hashing.factorize(arrays[0])
    else:
        codes, n, first = _hashing.factorize_multi(arrays)
    return np.asarray(codes), int(n), np.asarray(first)


def n_unique(column: pa.ChunkedArray) -> int:
    """Number of distinct values (null is one value, NaNs one value, -0.0 == 0.0)."""
    if len(column) == 0:
        return 0
    return factorize([column])[1]


def hash_rows(column: pa.ChunkedArray, seed: int = 0) -> np.ndarray:
    """Stable 64-bit hash of every row."""
    return np.asarray(_hashing.hash_array(_single(column), seed))
