"""Pure-Python nested-loop reference for ``DataFrame.join`` (tests only).

It codes the join contract (/work/join_api_spec.md, frame/join.py) one rule at a time, with a
plain double loop over the rows, so that it is obviously right and independent of frame's
hashing, factorizing and take kernels:

- key equality: every key column equal; null matches null only with ``nulls_equal=True``; every
  NaN bit pattern matches every other; ``-0.0`` matches ``0.0``; dictionary keys compare by
  their decoded values (also against plain strings and across chunks with different
  dictionaries); temporal keys compare as their integers (their types must be equal);
- row order: inner = each left row in left order with its matches in right order; left = inner
  plus unmatched left rows in place; right = the mirror; full = the left join, then the
  unmatched right rows in right order; semi/anti = left rows with/without a match; cross =
  left-major product;
- columns: left columns, then right columns (without the right keys when coalesced), a right
  name that clashes with a left output name gets ``suffix``.

Where the contract leaves a detail open, the reference follows polars (2.1), and each such
reading is marked ``polars reading`` below:

- the type of a coalesced key column: inner/left keep the left key's type (the column *is* the
  left column), right joins the right key's type (it holds the right key values), full joins
  the common type of both keys;
- the common type of two string-like keys that differ (polars has one string type) is
  ``large_string``; a dictionary and its value type meet in the value type (frame's reading;
  polars cannot join a categorical with a string at all).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from tests.operations._groupby_oracle import physical, to_arrow

__all__ = [
    "COALESCING",
    "JOIN_TYPES",
    "common_key_type",
    "expected_join",
    "join_pairs",
    "key_rows",
    "keys_match",
    "output_names",
    "validate_violation",
]

JOIN_TYPES = ("inner", "left", "right", "full", "semi", "anti", "cross")
#: the joins whose output can coalesce keys (semi/anti return left columns only)
COALESCING = ("inner", "left", "right", "full")

# --------------------------------------------------------------------------------------------
# Key types
# --------------------------------------------------------------------------------------------


def _plain(t: pa.DataType) -> pa.DataType:
    return t.value_type if pa.types.is_dictionary(t) else t


def _string_like(t: pa.DataType) -> bool:
    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t)


def common_key_type(lt: pa.DataType, rt: pa.DataType) -> pa.DataType | None:
    """The type two key columns are compared in, or None when the contract forbids the pair.

    Allowed: equal types; signed ints of different widths (the wider); unsigned ints of
    different widths (the wider); float32 with float64 (float64); string/large_string/
    string_view mixes (large_string, polars reading); a dictionary with its value type (the
    value type) or with another string-like type. Everything else (int vs uint, int vs float,
    string vs int, timestamps of other units or zones, date vs timestamp, ...) is refused.
    """
    if lt == rt:
        return lt
    a, b = _plain(lt), _plain(rt)
    if a == b:
        return a
    if _string_like(a) and _string_like(b):
        return pa.large_string()
    if pa.types.is_signed_integer(a) and pa.types.is_signed_integer(b):
        return a if a.bit_width >= b.bit_width else b
    if pa.types.is_unsigned_integer(a) and pa.types.is_unsigned_integer(b):
        return a if a.bit_width >= b.bit_width else b
    if pa.types.is_floating(a) and pa.types.is_floating(b):
        return pa.float64()
    return None


# --------------------------------------------------------------------------------------------
# Key equality
# --------------------------------------------------------------------------------------------


def _identity(value: Any) -> Any:
    """What a non-null key value is compared as: one NaN, ``-0.0 == 0.0``; booleans are
    tagged so that they can never equal the integers 0 and 1."""
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, float):
        return ("nan",) if math.isnan(value) else value + 0.0
    return value


def keys_match(a: Sequence[Any], b: Sequence[Any], nulls_equal: bool) -> bool:
    """Whether a left key tuple and a right key tuple (physical values) match."""
    for x, y in zip(a, b, strict=True):
        if x is None or y is None:
            if not (nulls_equal and x is None and y is None):
                return False
        elif _identity(x) != _identity(y):
            return False
    return True


def key_rows(table: pa.Table, names: Sequence[str]) -> list[tuple[Any, ...]]:
    """One tuple of physical key values per row (dictionaries decoded chunk by chunk)."""
    columns = [physical(table.column(n)) for n in names]
    return [tuple(col[i] for col in columns) for i in range(table.num_rows)]


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------

Pair = tuple[int | None, int | None]


def join_pairs(
    lkeys: Sequence[tuple[Any, ...]],
    rkeys: Sequence[tuple[Any, ...]],
    how: str,
    nulls_equal: bool,
) -> list[Pair]:
    """(left row, right row) of every output row in the contract's order; None = no row.

    semi/anti give ``(left row, None)``.
    """
    nl, nr = len(lkeys), len(rkeys)
    if how == "cross":
        return [(i, j) for i in range(nl) for j in range(nr)]

    def matches_of_left(i: int) -> list[int]:
        return [j for j in range(nr) if keys_match(lkeys[i], rkeys[j], nulls_equal)]

    def matches_of_right(j: int) -> list[int]:
        return [i for i in range(nl) if keys_match(lkeys[i], rkeys[j], nulls_equal)]

    out: list[Pair] = []
    if how in ("inner", "left", "full"):
        for i in range(nl):
            js = matches_of_left(i)
            out.extend((i, j) for j in js)
            if not js and how != "inner":
                out.append((i, None))
        if how == "full":
            out.extend((None, j) for j in range(nr) if not matches_of_right(j))
        return out
    if how == "right":
        for j in range(nr):
            is_ = matches_of_right(j)
            out.extend((i, j) for i in is_)
            if not is_:
                out.append((None, j))
        return out
    if how in ("semi", "anti"):
        want = how == "semi"
        return [(i, None) for i in range(nl) if bool(matches_of_left(i)) == want]
    msg = f"unknown join type {how!r}"
    raise ValueError(msg)


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------


def effective_coalesce(how: str, coalesce: bool | None) -> bool:
    """``coalesce=None`` means True except for full joins; cross/semi/anti never coalesce."""
    if how not in COALESCING:
        return False
    return how != "full" if coalesce is None else coalesce


def _coalesced_key_type(how: str, lt: pa.DataType, rt: pa.DataType) -> pa.DataType:
    """Type of a coalesced key column (polars reading, see the module docstring)."""
    if how in ("inner", "left"):
        return lt
    if how == "right":
        return rt
    common = common_key_type(lt, rt)
    assert common is not None
    return common


def output_names(
    left_names: Sequence[str],
    right_names: Sequence[str],
    right_on: Sequence[str],
    how: str,
    coalesce: bool | None,
    suffix: str,
) -> list[str]:
    """Output column names: left names, then the kept right names with ``suffix`` on clash."""
    names = list(left_names)
    if how in ("semi", "anti"):
        return names
    dropped = set(right_on) if effective_coalesce(how, coalesce) else set()
    taken = set(names)
    for n in right_names:
        if n in dropped:
            continue
        name = n + suffix if n in taken else n
        if name in taken:
            msg = f"{name!r} clashes even with the suffix; the reference does not define this"
            raise ValueError(msg)
        taken.add(name)
        names.append(name)
    return names


def expected_join(
    left: pa.Table,
    right: pa.Table,
    left_on: Sequence[str],
    right_on: Sequence[str],
    how: str,
    *,
    nulls_equal: bool = False,
    suffix: str = "_right",
    coalesce: bool | None = None,
) -> pa.Table:
    """The join result the contract prescribes, as a pyarrow Table.

    ``left_on``/``right_on`` are ignored for cross joins. Raises ``ValueError`` for key types
    the contract refuses (the tests expect ``fr.SchemaError`` there).
    """
    if how == "cross":
        left_on, right_on = [], []
    if len(left_on) != len(right_on):
        msg = "different key counts"
        raise ValueError(msg)
    for ln, rn in zip(left_on, right_on):
        lt, rt = left.schema.field(ln).type, right.schema.field(rn).type
        if common_key_type(lt, rt) is None:
            msg = f"key types {lt} and {rt} cannot be joined"
            raise ValueError(msg)
    pairs = join_pairs(key_rows(left, left_on), key_rows(right, right_on), how, nulls_equal)
    lrows = [i for i, _ in pairs]
    rrows = [j for _, j in pairs]

    def pick(values: list[Any], rows: list[int | None]) -> list[Any]:
        return [None if r is None else values[r] for r in rows]

    coalesced = effective_coalesce(how, coalesce)
    names = output_names(left.column_names, right.column_names, right_on, how, coalesce, suffix)
    columns: list[pa.Array] = []
    types: list[pa.DataType] = []
    for name in left.column_names:
        lt = left.schema.field(name).type
        lvals = physical(left.column(name))
        if coalesced and name in left_on:
            rname = right_on[list(left_on).index(name)]
            rt = right.schema.field(rname).type
            rvals = physical(right.column(rname))
            out_type = _coalesced_key_type(how, lt, rt)
            if how in ("inner", "left"):
                values = pick(lvals, lrows)
            elif how == "right":
                values = pick(rvals, rrows)
            else:  # full: the left key, else (no left row) the right key
                values = [
                    lvals[i] if i is not None else (None if j is None else rvals[j])
                    for i, j in pairs
                ]
        else:
            out_type, values = lt, pick(lvals, lrows)
        columns.append(to_arrow(values, out_type))
        types.append(out_type)
    if how not in ("semi", "anti"):
        for name in right.column_names:
            if coalesced and name in right_on:
                continue
            rt = right.schema.field(name).type
            columns.append(to_arrow(pick(physical(right.column(name)), rrows), rt))
            types.append(rt)
    if not columns:  # a cross join of two zero-column sides still has rows
        return pa.table({"": pa.nulls(len(pairs))}).drop_columns([""])
    schema = pa.schema([pa.field(n, t) for n, t in zip(names, types)])
    return pa.Table.from_arrays(columns, schema=schema)


# --------------------------------------------------------------------------------------------
# validate
# --------------------------------------------------------------------------------------------


def _first_duplicate(rows: Sequence[tuple[Any, ...]], nulls_equal: bool) -> tuple[Any, ...] | None:
    """A key tuple that occurs twice (rows with a null key only count when nulls_equal)."""
    seen: list[tuple[Any, ...]] = []
    for key in rows:
        if not nulls_equal and any(v is None for v in key):
            continue
        if any(keys_match(key, other, nulls_equal=True) for other in seen):
            return key
        seen.append(key)
    return None


def validate_violation(
    left: pa.Table,
    right: pa.Table,
    left_on: Sequence[str],
    right_on: Sequence[str],
    validate: str,
    nulls_equal: bool,
) -> tuple[str, tuple[Any, ...]] | None:
    """``("left" | "right", duplicated key)`` when ``validate`` fails, else None.

    "1:m" needs unique left keys, "m:1" unique right keys, "1:1" both (left checked first).
    """
    checks = {"m:m": (), "1:m": ("left",), "m:1": ("right",), "1:1": ("left", "right")}[validate]
    for side in checks:
        table, names = (left, left_on) if side == "left" else (right, right_on)
        dup = _first_duplicate(key_rows(table, names), nulls_equal)
        if dup is not None:
            return side, dup
    return None
