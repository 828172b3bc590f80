"""``DataFrame.join``: equi-joins (inner, left, right, full, semi, anti) and cross joins.

Plan: the key columns of both sides are brought to one type (a documented safe promotion, or a
``SchemaError`` naming both sides), factorized *together* so equal keys share a code, the build
side's rows are counting-sorted by code, and ``frame._core.join`` turns the probe side's codes
into (probe row, build row) pairs; the take kernel then gathers the output columns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.types as pat

from frame import _ops
from frame._aggregate import _numeric as _aggregate_numeric
from frame._core import buffer as _buffer
from frame._core import groupby as _gb
from frame._core import hashing as _hashing
from frame._core import join as _join
from frame.dtypes import type_name
from frame.exceptions import ColumnNotFoundError, ComputeError, InvalidOperationError, SchemaError

__all__ = ["JOIN_TYPES", "join", "join_asof"]

JOIN_TYPES = ("inner", "left", "right", "full", "semi", "anti", "cross")
_VALIDATE = ("m:m", "1:m", "m:1", "1:1")


def _names(value: str | Sequence[str] | None, what: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    names = list(value)
    for n in names:
        if not isinstance(n, str):
            raise InvalidOperationError(f"{what} takes column names, got {type(n).__name__}")
    return names


# ------------------------------------------------------------------------------------ key types
def _plain(t: pa.DataType) -> pa.DataType:
    return t.value_type if pat.is_dictionary(t) else t


def _string_like(t: pa.DataType) -> bool:
    return pat.is_string(t) or pat.is_large_string(t) or pat.is_string_view(t)


def _binary_like(t: pa.DataType) -> bool:
    return pat.is_binary(t) or pat.is_large_binary(t) or pat.is_binary_view(t)


def _common_key_type(lname: str, lt: pa.DataType, rname: str, rt: pa.DataType) -> pa.DataType | None:
    """The type both keys are compared in (None: compare as they are), or a SchemaError."""
    if lt == rt:
        return None
    a, b = _plain(lt), _plain(rt)
    if a == b:
        return a if pat.is_dictionary(lt) != pat.is_dictionary(rt) else None
    if _string_like(a) and _string_like(b):
        return pa.large_string()
    if _binary_like(a) and _binary_like(b):
        return pa.large_binary()
    if pat.is_signed_integer(a) and pat.is_signed_integer(b):
        return a if a.bit_width >= b.bit_width else b
    if pat.is_unsigned_integer(a) and pat.is_unsigned_integer(b):
        return a if a.bit_width >= b.bit_width else b
    if pat.is_floating(a) and pat.is_floating(b):
        return pa.float64()
    raise SchemaError(
        f"cannot join key {lname!r} ({type_name(lt)}) with {rname!r} ({type_name(rt)}): the types "
        "differ and converting one could change which rows match; cast one side explicitly, "
        "e.g. .with_columns(fr.col(name).cast(...))"
    )


def _key_pair(left: pa.ChunkedArray, right: pa.ChunkedArray, lname: str, rname: str):
    target = _common_key_type(lname, left.type, rname, right.type)
    if target is not None:
        left = left.cast(target) if left.type != target else left
        right = right.cast(target) if right.type != target else right
    return left, right


# ------------------------------------------------------------------------------------ codes
def _joint_codes(lkeys, rkeys, nulls_equal: bool, validate: str = "m:m"):
    """Codes of the left and right rows in one code space, and its size.

    Rows that must match nothing (a null key when nulls are not equal) get a code of their own
    side's sentinel: ``ng`` for the right side, ``ng + 1`` for the left, whose build slices are
    empty -- so the kernels never see a negative code. ``validate`` names the sides whose keys
    must be checked for uniqueness: their distinct keys need distinct codes.
    """
    n_l = len(lkeys[0])
    for fast_path in (_direct_codes, _dictionary_codes):  # these code null rows themselves
        found = fast_path(lkeys, rkeys, nulls_equal)
        if found is not None:
            return found
    probed = _probe_codes(lkeys, rkeys, validate)
    if probed is not None:
        lcodes, rcodes, ng = probed
    else:
        combined = []
        for lk, rk in zip(lkeys, rkeys):
            if _null_dictionary_values(lk) or _null_dictionary_values(rk):
                # Arrow cannot unify dictionaries holding a null value: compare the values
                lk, rk = lk.cast(lk.type.value_type), rk.cast(rk.type.value_type)
            combined.append(pa.chunked_array(list(lk.chunks) + list(rk.chunks), type=lk.type))
        if len(combined[0]) == 0:
            return np.empty(0, np.int64), np.empty(0, np.int64), 0
        codes, ng, _first = _ops.factorize(combined)
        codes = np.asarray(codes, dtype=np.int64)  # a fresh array from factorize
        lcodes, rcodes = codes[:n_l], codes[n_l:]
    if not nulls_equal:
        for codes, keys, sentinel in ((lcodes, lkeys, ng + 1), (rcodes, rkeys, ng)):
            null_rows = None
            for c in keys:
                if _has_nulls(c):
                    m = np.asarray(pc.is_null(c).to_numpy(zero_copy_only=False), dtype=bool)
                    null_rows = m if null_rows is None else (null_rows | m)
            if null_rows is not None:
                codes[null_rows] = sentinel
    return np.ascontiguousarray(lcodes), np.ascontiguousarray(rcodes), ng


def _has_nulls(column: pa.ChunkedArray) -> bool:
    """Null rows, counting a dictionary index that points at a null value."""
    return bool(column.null_count) or _null_dictionary_values(column)


def _null_dictionary_values(column: pa.ChunkedArray) -> bool:
    return pat.is_dictionary(column.type) and any(c.dictionary.null_count for c in column.chunks)


def _dictionary_codes(lkeys, rkeys, nulls_equal: bool):
    """``_joint_codes`` for one dictionary-encoded key on both sides: the two dictionaries
    (small) are factorized together, then each row's code is its dictionary entry's code --
    the indices are never unified into one dictionary. A null row (a null index, or an index
    pointing at a null value) gets its side's sentinel, or with ``nulls_equal`` one shared
    null code. None when the key is not a dictionary on both sides."""
    if len(lkeys) != 1:
        return None
    lk, rk = lkeys[0], rkeys[0]
    if not (pat.is_dictionary(lk.type) and pat.is_dictionary(rk.type)):
        return None
    if lk.type.value_type != rk.type.value_type:
        return None
    if (lk.num_chunks > 1 or rk.num_chunks > 1) and (
        _null_dictionary_values(lk) or _null_dictionary_values(rk)
    ):
        return None  # chunks Arrow cannot unify into one dictionary: the general path
    arrays = [_ops.single(lk), _ops.single(rk)]
    dictionaries = [a.dictionary for a in arrays]
    both = pa.chunked_array(dictionaries, type=lk.type.value_type)
    if len(both) == 0:
        joint, ng = np.empty(0, np.int64), 0
    else:
        joint, ng, _ = _ops.factorize([both])
        joint = np.array(joint, dtype=np.int64)  # a copy: null entries are rewritten below
    if nulls_equal:
        null_codes = (ng, ng)  # null rows of both sides share a code of their own
        ng += 1
    else:
        null_codes = (ng + 1, ng)  # each side's sentinel
    n_left_dict = len(dictionaries[0])
    codes = []
    for side, (arr, mapping, null_code) in enumerate(
        zip(arrays, (joint[:n_left_dict], joint[n_left_dict:]), null_codes)
    ):
        mapping = np.ascontiguousarray(mapping)
        if dictionaries[side].null_count:
            mapping[np.asarray(dictionaries[side].is_null().to_numpy(zero_copy_only=False))] = null_code
        indices = arr.indices
        buffers = indices.buffers()
        dtype = np.dtype(indices.type.to_pandas_dtype())
        values = (
            np.frombuffer(buffers[1], dtype=dtype, count=indices.offset + len(indices))[
                indices.offset :
            ]
            if len(indices)
            else np.empty(0, dtype)
        )
        validity = (
            np.frombuffer(buffers[0], dtype=np.uint8)
            if indices.null_count and buffers[0] is not None
            else _NO_BITMAP
        )
        codes.append(_join.mapped_codes(values, validity, indices.offset, mapping, null_code))
    return codes[0], codes[1], ng


def _probe_codes(lkeys, rkeys, validate: str = "m:m"):
    """``_joint_codes`` for one string key when one side is much smaller: the small side's
    keys go into a table the large side only reads (in parallel), so the large side's own
    distinct keys are never inserted. Codes run over the small side's row count; a large-side
    value the small side lacks gets that side's sentinel. None when this does not apply --
    also when the large side's keys must be validated unique, as its keys missing from the
    small side all share the sentinel."""
    if len(lkeys) != 1:
        return None
    lk, rk = lkeys[0], rkeys[0]
    offsets_layout = (pa.string(), pa.large_string(), pa.binary(), pa.large_binary())
    if lk.type != rk.type or lk.type not in offsets_layout:
        return None
    n_l, n_r = len(lk), len(rk)
    if 8 * min(n_l, n_r) > max(n_l, n_r):
        return None
    right_builds = n_r <= n_l
    if validate in ("1:1", "m:1" if not right_builds else "1:m"):
        return None
    build, probe = (rk, lk) if right_builds else (lk, rk)
    ng = len(build)
    found = _hashing.probe_short(
        _ops.single(build), _ops.single(probe), ng + 1 if right_builds else ng
    )
    if found is None:  # a long value on the small side
        return None
    build_codes, _n_keys, probe_codes = found
    if right_builds:
        return probe_codes, build_codes, ng
    return build_codes, probe_codes, ng


# a key range up to this many times the rows (and at most 2**28 codes) is coded directly
_DIRECT_RANGE_PER_ROW = 2
_DIRECT_MAX = 1 << 28


def _direct_codes(lkeys, rkeys, nulls_equal: bool):
    """``_joint_codes`` for one integer key whose values span a small range: the code of a key
    is its distance from the smallest key of both sides, so no hash table is built. None when
    the key is not an integer column, spans too wide a range, or nulls must match nulls."""
    if len(lkeys) != 1:
        return None
    lk, rk = lkeys[0], rkeys[0]
    if not pat.is_integer(lk.type) or lk.type != rk.type:
        return None
    if nulls_equal and (lk.null_count or rk.null_count):
        return None
    lo, hi = None, None
    for k in (lk, rk):
        mm = pc.min_max(k)
        if mm["min"].is_valid:
            a, b = mm["min"].as_py(), mm["max"].as_py()
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
    n = len(lk) + len(rk)
    if lo is None:  # every key is null: nothing matches
        size = 0
        lo = 0
    else:
        size = hi - lo + 1
        if size > max(_DIRECT_RANGE_PER_ROW * n, 1 << 16) or size > _DIRECT_MAX:
            return None
    codes = []
    for k, sentinel in ((lk, size + 1), (rk, size)):
        view = _aggregate_numeric(_ops.single(k))  # zero-copy values and validity bitmap
        validity = view.valid if view.valid is not None else _NO_BITMAP
        codes.append(
            _join.direct_codes(view.values, validity, view.offset, lo, size, sentinel)
        )
    return codes[0], codes[1], size


_NO_BITMAP = np.empty(0, dtype=np.uint8)


def _validate_unique(codes: np.ndarray, ng: int, side: str, keys: list[pa.ChunkedArray], names: list[str]):
    """``validate``: every (matching) key appears at most once on ``side``."""
    counts = np.bincount(codes, minlength=ng + 2)[:ng]
    dup = np.flatnonzero(counts > 1)
    if len(dup):
        row = int(np.flatnonzero(codes == dup[0])[0])
        value = tuple(k[row].as_py() for k in keys)
        shown = value[0] if len(value) == 1 else value
        raise ComputeError(
            f"join validation failed: the {side} keys {names} are not unique (e.g. {shown!r} "
            f"appears {int(counts[dup[0]])} times); use validate='m:m' or deduplicate first"
        )


def _available_memory() -> int | None:
    """Bytes an allocation can still get: what the OS can hand out -- MemAvailable (free memory
    plus reclaimable page cache, which after reading large files is most of it), else free
    physical pages -- plus frame's own cache of freed blocks, which is reused first; None when
    the platform cannot tell."""
    cached = _buffer.buffer_cache_bytes()
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024 + cached
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") + cached
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return None


def _check_size(rows: int, width_bytes: int) -> None:
    """Refuse an output that cannot fit in memory instead of being killed by the OS."""
    need = rows * (16 + width_bytes)
    avail = _available_memory()
    if avail is None:  # pragma: no cover - no way to tell on this platform
        return
    if need > avail:
        raise ComputeError(
            f"the join would produce {rows:,} rows (about {need / 2**30:.1f} GiB) but only "
            f"{avail / 2**30:.1f} GiB of memory is available; check for duplicate keys on both "
            "sides (validate='1:m' or 'm:1' says where) or join on more columns"
        )


def _row_bytes(table: pa.Table) -> int:
    total = 0
    for f in table.schema:
        try:
            total += max(f.type.bit_width // 8, 1)
        except ValueError:
            total += 16  # variable width: a guess per value
    return total


def _pairs(probe_codes, build_codes, ng: int, keep_unmatched: bool, width: int,
           unique_ok: bool = True):
    """The matching pairs as ``(probe rows, build rows)``.

    ``probe rows`` is None when they are ``0 .. n-1`` (every probe row once, in order), a
    ``pa.BooleanArray`` mask when every probe row appears at most once and in order (an inner
    join where no key repeats on the build side: the probe columns are then filtered, copying
    runs of rows), else an int64 array; ``build rows`` is always an int64 array (-1: no match).
    Codes ``ng`` and ``ng + 1`` are the null sentinels, which match nothing.
    """
    n = len(probe_codes)
    ncodes = ng + 2
    pos = _join.unique_positions(build_codes, ncodes, ng) if unique_ok else None
    if pos is not None:  # no build key repeats: the positions are the hash table
        found = _join.join_lookup(probe_codes, pos, keep_unmatched)
        if keep_unmatched:
            _check_size(n, width)
            return None, found
        bitmap, build_rows = found
        _check_size(len(build_rows), width)
        if len(build_rows) == n:
            return None, build_rows
        mask = pa.Array.from_buffers(pa.bool_(), n, [None, pa.py_buffer(bitmap)])
        return mask, build_rows
    order, offsets = _gb.group_order(build_codes, ncodes)
    total = _join.join_size(probe_codes, offsets, keep_unmatched)
    _check_size(total, width)
    probe_rows, build_rows, identity = _join.join_fill(probe_codes, order, offsets, keep_unmatched)
    return (None if identity else probe_rows), build_rows


# ------------------------------------------------------------------------------------ join
def join(
    lt: pa.Table,
    rt: pa.Table,
    on: str | Sequence[str] | None = None,
    how: str = "inner",
    *,
    left_on: str | Sequence[str] | None = None,
    right_on: str | Sequence[str] | None = None,
    suffix: str = "_right",
    nulls_equal: bool = False,
    validate: str = "m:m",
    coalesce: bool | None = None,
) -> pa.Table:
    """The joined table; see :meth:`frame.DataFrame.join` for the rules."""
    if how not in JOIN_TYPES:
        raise InvalidOperationError(f"unknown join type {how!r}; use one of {', '.join(JOIN_TYPES)}")
    if validate not in _VALIDATE:
        raise InvalidOperationError(f"validate must be one of {', '.join(_VALIDATE)}, got {validate!r}")
    if how == "cross":
        if on is not None or left_on is not None or right_on is not None:
            raise InvalidOperationError("a cross join takes no keys (drop on/left_on/right_on)")
        return _cross(lt, rt, suffix)
    if on is not None and (left_on is not None or right_on is not None):
        raise InvalidOperationError("pass either on=... or left_on=/right_on=..., not both")
    lnames = _names(on if on is not None else left_on, "on")
    rnames = _names(on if on is not None else right_on, "on")
    if not lnames or not rnames:
        raise InvalidOperationError(f"a {how} join needs keys: on='id' or left_on=.../right_on=...")
    if len(lnames) != len(rnames):
        raise InvalidOperationError(
            f"left_on has {len(lnames)} keys but right_on has {len(rnames)}; give one right key per left key"
        )
    for n in lnames:
        if n not in lt.column_names:
            raise ColumnNotFoundError.for_name(n, lt.column_names)
    for n in rnames:
        if n not in rt.column_names:
            raise ColumnNotFoundError.for_name(n, rt.column_names)
    lkeys, rkeys = [], []
    for ln, rn in zip(lnames, rnames):
        lk, rk = _key_pair(lt.column(ln), rt.column(rn), ln, rn)
        lkeys.append(lk)
        rkeys.append(rk)
    lcodes, rcodes, ng = _joint_codes(lkeys, rkeys, nulls_equal, validate)
    if validate in ("1:m", "1:1"):
        _validate_unique(lcodes, ng, "left", [lt.column(n) for n in lnames], lnames)
    if validate in ("m:1", "1:1"):
        _validate_unique(rcodes, ng, "right", [rt.column(n) for n in rnames], rnames)
    ncodes = ng + 2
    if coalesce is None:
        coalesce = how != "full"

    if how in ("semi", "anti"):
        has = np.bincount(rcodes, minlength=ncodes)[:ng] > 0 if len(rcodes) else np.zeros(ng, bool)
        has = np.concatenate([has, [False, False]])
        keep = has[lcodes] if how == "semi" else ~has[lcodes]
        return _ops.take_table(lt, np.flatnonzero(keep))

    width = _row_bytes(lt) + _row_bytes(rt)
    if how == "right":
        li, ri = _pairs(rcodes, lcodes, ng, True, width)
        if li is None:  # every right row once, in order
            li, ri = ri, None
        else:
            li, ri = ri, li
    else:
        li, ri = _pairs(lcodes, rcodes, ng, how in ("left", "full"), width, how != "full")
        if how == "full":
            if li is None:
                li = np.arange(len(lcodes), dtype=np.int64)
            left_count = np.bincount(lcodes, minlength=ncodes)
            unmatched = np.flatnonzero((left_count[rcodes] == 0) | (rcodes >= ng))
            if len(unmatched):
                li = np.concatenate([li, np.full(len(unmatched), -1, dtype=np.int64)])
                ri = np.concatenate([ri, unmatched])
    return _assemble(lt, rt, li, ri, lnames, rnames, lkeys, rkeys, how, suffix, coalesce)


def _assemble(lt, rt, li, ri, lnames, rnames, lkeys, rkeys, how, suffix, coalesce) -> pa.Table:
    """The output columns: the left rows ``li`` (None: all of them in order; a BooleanArray: a
    filter; else indices, -1 for none), then the right rows ``ri`` (None: all, in order)."""
    cols: dict[str, pa.Array | pa.ChunkedArray] = {}
    if li is None:  # every left row once, in order: the left columns as they are (no copy)
        left_taken = {n: lt.column(n) for n in lt.column_names}
    elif isinstance(li, pa.BooleanArray):
        kept = _ops.filter_table(lt, li)
        left_taken = {n: kept.column(n) for n in lt.column_names}
    else:
        left_taken = {
            n: _ops.take_column(
                lt.column(n), li, check_bounds=False, all_valid_indices=how in ("inner", "left")
            )
            for n in lt.column_names
        }
    key_of = dict(zip(lnames, range(len(lnames))))
    n_l = lt.num_rows
    for n in lt.column_names:
        col = left_taken[n]
        if coalesce and n in key_of:
            k = key_of[n]
            if how == "right":  # the right key's values, in the right key's own type
                col = rt.column(rnames[k])
                col = col if ri is None else _ops.take_column(col, ri, check_bounds=False)
            elif how == "full":
                # the left key where the row has a left side, else the right key (in the
                # common key type): one gather from both sides' keys placed end to end
                both = pa.chunked_array(
                    list(lkeys[k].chunks) + list(rkeys[k].chunks), type=lkeys[k].type
                )
                col = _ops.take_column(both, np.where(li >= 0, li, n_l + ri), check_bounds=False)
        cols[n] = col
    _add_right(cols, rt, ri, set(rnames) if coalesce else set(), suffix,
               matched_only=how in ("inner", "right"))
    if not cols:
        return pa.table({})
    return pa.table(cols)


def _add_right(cols: dict[str, Any], rt: pa.Table, rows: np.ndarray, skip: set[str],
               suffix: str, matched_only: bool = False) -> None:
    """The right columns (except ``skip``) gathered at ``rows`` (-1 = null; None = every row in
    order; ``matched_only``: no -1), names clashing with the columns already in ``cols``
    suffixed until unique."""
    for n in rt.column_names:
        if n in skip:
            continue
        name = n
        while name in cols:
            name = name + suffix
        col = rt.column(n)
        cols[name] = col if rows is None else _ops.take_column(
            col, rows, check_bounds=False, all_valid_indices=matched_only
        )


def _cross(lt: pa.Table, rt: pa.Table, suffix: str) -> pa.Table:
    n_l, n_r = lt.num_rows, rt.num_rows
    _check_size(n_l * n_r, _row_bytes(lt) + _row_bytes(rt))
    li = np.repeat(np.arange(n_l, dtype=np.int64), n_r)
    ri = np.tile(np.arange(n_r, dtype=np.int64), n_l)
    cols: dict[str, Any] = {}
    for n in lt.column_names:
        cols[n] = _ops.take_column(lt.column(n), li, check_bounds=False, all_valid_indices=True)
    _add_right(cols, rt, ri, set(), suffix, matched_only=True)
    if not cols:
        return _ops.take_table(lt, li)
    return pa.table(cols)


# ------------------------------------------------------------------------------------ as-of join
_STRATEGIES = ("backward", "forward", "nearest")


def _asof_values(column: pa.ChunkedArray) -> np.ndarray | None:
    """The ``on`` values as float64 or int64 for distance checks (temporal types as integers)."""
    arr = _ops.single(column)
    t = arr.type
    if pat.is_timestamp(t) or pat.is_duration(t) or pat.is_date(t) or pat.is_time(t):
        arr = arr.view(pa.int64() if t.bit_width == 64 else pa.int32())
    if pat.is_integer(arr.type):
        return np.asarray(pc.fill_null(arr.cast(pa.int64()), 0).to_numpy())
    if pat.is_floating(arr.type):
        return np.asarray(pc.fill_null(arr.cast(pa.float64()), 0.0).to_numpy())
    return None


def _tolerance_units(tolerance: Any, t: pa.DataType) -> float | int:
    """``tolerance`` in the units of the ``on`` column's integer (or float) representation."""
    import datetime as _dt

    if isinstance(tolerance, _dt.timedelta):
        if not (pat.is_timestamp(t) or pat.is_duration(t)):
            raise SchemaError(f"a timedelta tolerance needs a timestamp or duration key, not {type_name(t)}")
        micros = tolerance // _dt.timedelta(microseconds=1)  # exact integer microseconds
        return {"s": micros / 10**6, "ms": micros / 10**3, "us": micros, "ns": micros * 1000}[t.unit]
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float):
        raise InvalidOperationError(f"tolerance must be a number or a timedelta, got {tolerance!r}")
    if tolerance < 0:
        raise InvalidOperationError(f"tolerance must be >= 0, got {tolerance!r}")
    return tolerance


def _group_sorted(vals: np.ndarray, codes: np.ndarray, ng: int):
    """Rows counting-sorted by group code, ascending by ``vals`` inside each group."""
    order, offsets = _gb.group_order(codes, ng + 2)
    if not _join.sorted_within_groups(vals, order, offsets):
        order = _ops.argsort(
            [pa.chunked_array([pa.array(codes)]), pa.chunked_array([pa.array(vals)])],
            [False, False],
            [False, False],
        )
    return order, offsets


def join_asof(
    lt: pa.Table,
    rt: pa.Table,
    on: str | None = None,
    *,
    left_on: str | None = None,
    right_on: str | None = None,
    by: str | Sequence[str] | None = None,
    by_left: str | Sequence[str] | None = None,
    by_right: str | Sequence[str] | None = None,
    strategy: str = "backward",
    tolerance: Any = None,
    allow_exact_matches: bool = True,
    suffix: str = "_right",
) -> pa.Table:
    """The as-of joined table; see :meth:`frame.DataFrame.join_asof` for the rules."""
    if strategy not in _STRATEGIES:
        raise InvalidOperationError(f"unknown strategy {strategy!r}; use one of {', '.join(_STRATEGIES)}")
    if on is not None and (left_on is not None or right_on is not None):
        raise InvalidOperationError("pass either on=... or left_on=/right_on=..., not both")
    lon = on if on is not None else left_on
    ron = on if on is not None else right_on
    if not isinstance(lon, str) or not isinstance(ron, str):
        raise InvalidOperationError("join_asof needs one 'on' column, e.g. on='time'")
    lby = _names(by if by is not None else by_left, "by")
    rby = _names(by if by is not None else by_right, "by")
    if len(lby) != len(rby):
        raise InvalidOperationError(f"by_left has {len(lby)} columns but by_right has {len(rby)}")
    for n in [lon, *lby]:
        if n not in lt.column_names:
            raise ColumnNotFoundError.for_name(n, lt.column_names)
    for n in [ron, *rby]:
        if n not in rt.column_names:
            raise ColumnNotFoundError.for_name(n, rt.column_names)
    lkey, rkey = _key_pair(lt.column(lon), rt.column(ron), lon, ron)
    if _asof_values(lkey[:0]) is None:
        raise SchemaError(
            f"join_asof needs an ordered numeric or temporal 'on' column, but {lon!r} is "
            f"{type_name(lkey.type)}"
        )
    n_l, n_r = lt.num_rows, rt.num_rows
    # 1. groups of `by` shared by both sides (a null `by` matches nothing)
    if lby:
        lkeys, rkeys = [], []
        for ln, rn in zip(lby, rby):
            a, b = _key_pair(lt.column(ln), rt.column(rn), ln, rn)
            lkeys.append(a)
            rkeys.append(b)
        lg, rg, ng = _joint_codes(lkeys, rkeys, nulls_equal=False)
    else:
        lg, rg, ng = np.zeros(n_l, np.int64), np.zeros(n_r, np.int64), 1
    # 2. rows with a null (or NaN) `on` value go to the sentinel groups, which never meet
    lval, rval = _asof_values(lkey), _asof_values(rkey)
    for key, vals, codes, sentinel in ((lkey, lval, lg, ng + 1), (rkey, rval, rg, ng)):
        bad = ~np.asarray(pc.is_valid(_ops.single(key)).to_numpy(zero_copy_only=False), dtype=bool)
        if vals.dtype == np.float64:
            bad |= np.isnan(vals)
        codes[bad] = sentinel  # (a null `by` is already there: left ng + 1, right ng)
    # 3. the right side grouped (counting sort), ascending by `on` inside every group; a left
    #    side already ascending by `on` (time-ordered events, the usual case) is walked in row
    #    order, otherwise it is grouped and sorted the same way
    has_tol = tolerance is not None
    tol = float(_tolerance_units(tolerance, lkey.type)) if has_tol else 0.0
    how = (_STRATEGIES.index(strategy), bool(allow_exact_matches), has_tol, tol)
    rorder, roff = _group_sorted(rval, rg, ng)
    match = _join.asof_match_sorted(lval, lg, ng, rval, rorder, roff[: ng + 1], *how)
    if match is None:
        lorder, loff = _group_sorted(lval, lg, ng)
        match = _join.asof_match(lval, lorder, loff, rval, rorder, roff, *how)
    # 4. output: every left row, then the right columns except the right `on` / `by` keys
    cols: dict[str, Any] = {n: lt.column(n) for n in lt.column_names}
    _add_right(cols, rt, match, {ron, *rby}, suffix)
    return pa.table(cols) if cols else lt
