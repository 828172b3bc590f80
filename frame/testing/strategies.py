"""Hypothesis strategies that generate Arrow data for property tests.

The strategies build the inputs frame's kernels must survive (see STYLE.md section 3.9 and
TESTING.md section 6): floats with NaN (several bit patterns), infinities and ``-0.0``;
integers at the type's minimum and maximum; Unicode and empty strings; arrays whose
``offset`` is not zero (sliced out of a longer parent, so validity bitmaps start at every
bit offset); fixed-width arrays whose slots under nulls hold arbitrary garbage instead of
zeros; chunked arrays with empty chunks and per-chunk dictionaries; and key columns that
draw from a small pool so that groups and join matches collide.

Every array produced here passes ``validate(full=True)``. Sizes are small by default
(at most 20 rows); ask for more with ``max_size``.

Examples
--------
>>> import pyarrow as pa
>>> from hypothesis import given
>>> from frame.testing.strategies import arrays
>>> @given(arrays(pa.int64()))
... def test_length_is_preserved(arr):
...     assert len(arr.filter(pa.array([True] * len(arr)))) == len(arr)
"""

from __future__ import annotations

import itertools
import math
import struct
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

__all__ = [
    "TYPE_FAMILIES",
    "arrays",
    "arrow_types",
    "chunked_arrays",
    "column",
    "key_columns",
    "tables",
]

TypeSpec = pa.DataType | str

# --------------------------------------------------------------------------------------------
# Types
# --------------------------------------------------------------------------------------------

TIMEZONES: tuple[str, ...] = ("UTC", "Europe/Berlin", "Asia/Kolkata", "America/New_York")
TIME_UNITS: tuple[str, ...] = ("s", "ms", "us", "ns")

#: Family names accepted by ``allowed``/``excluded`` in :func:`arrow_types` and by
#: ``allowed_types``/``excluded_types`` in :func:`tables`, mapped to the leaf families they cover.
TYPE_FAMILIES: dict[str, tuple[str, ...]] = {
    "bool": ("bool",),
    "int": ("int",),
    "uint": ("uint",),
    "integer": ("int", "uint"),
    "float": ("float",),
    "decimal": ("decimal",),
    "numeric": ("int", "uint", "float", "decimal"),
    "string": ("string",),
    "binary": ("binary",),
    "dictionary": ("dictionary",),
    "date": ("date",),
    "timestamp": ("timestamp",),
    "duration": ("duration",),
    "temporal": ("date", "timestamp", "duration"),
    "null": ("null",),
}

_SIMPLE_TYPES: tuple[tuple[str, pa.DataType], ...] = (
    ("int", pa.int64()),
    ("float", pa.float64()),
    ("string", pa.string()),
    ("bool", pa.bool_()),
    ("int", pa.int8()),
    ("int", pa.int16()),
    ("int", pa.int32()),
    ("uint", pa.uint8()),
    ("uint", pa.uint16()),
    ("uint", pa.uint32()),
    ("uint", pa.uint64()),
    ("float", pa.float32()),
    ("string", pa.large_string()),
    ("string", pa.string_view()),
    ("binary", pa.binary()),
    ("dictionary", pa.dictionary(pa.int32(), pa.string())),
    ("date", pa.date32()),
)


def _decimal_types() -> st.SearchStrategy[pa.DataType]:
    return st.integers(1, 38).flatmap(
        lambda p: st.integers(0, p).map(lambda s: pa.decimal128(p, s))
    )


def _timestamp_types() -> st.SearchStrategy[pa.DataType]:
    return st.builds(pa.timestamp, st.sampled_from(TIME_UNITS), st.sampled_from((None, *TIMEZONES)))


def _duration_types() -> st.SearchStrategy[pa.DataType]:
    return st.builds(pa.duration, st.sampled_from(TIME_UNITS))


def _family(t: pa.DataType) -> str:
    """Leaf family of an Arrow type (``"other"`` for types outside the default pool)."""
    if pa.types.is_boolean(t):
        return "bool"
    if pa.types.is_signed_integer(t):
        return "int"
    if pa.types.is_unsigned_integer(t):
        return "uint"
    if pa.types.is_floating(t):
        return "float"
    if pa.types.is_decimal(t):
        return "decimal"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "binary"
    if pa.types.is_dictionary(t):
        return "dictionary"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_duration(t):
        return "duration"
    if pa.types.is_null(t):
        return "null"
    return "other"


def _expand_family(name: str) -> tuple[str, ...]:
    try:
        return TYPE_FAMILIES[name]
    except KeyError:
        msg = f"unknown type family {name!r}; use one of {sorted(TYPE_FAMILIES)} or a pyarrow DataType"
        raise InvalidArgument(msg) from None


def _check_specs(specs: Sequence[TypeSpec] | None, arg: str) -> list[TypeSpec] | None:
    if specs is None:
        return None
    if isinstance(specs, (str, pa.DataType)):
        specs = [specs]
    out = list(specs)
    for spec in out:
        if isinstance(spec, str):
            _expand_family(spec)
        elif not isinstance(spec, pa.DataType):
            msg = f"{arg} entries must be pyarrow DataTypes or family names, got {spec!r}"
            raise InvalidArgument(msg)
    return out


def _matches(t: pa.DataType, spec: TypeSpec) -> bool:
    if isinstance(spec, str):
        return _family(t) in _expand_family(spec)
    return t == spec


def arrow_types(
    allowed: Sequence[TypeSpec] | None = None,
    excluded: Sequence[TypeSpec] | None = None,
) -> st.SearchStrategy[pa.DataType]:
    """Strategy for the Arrow data types frame supports.

    The default pool holds ``bool``; ``int8`` … ``int64``; ``uint8`` … ``uint64``;
    ``float32`` and ``float64``; ``decimal128(p, s)`` with ``p <= 38``; ``string``,
    ``large_string`` and ``string_view``; ``binary``; ``dictionary<int32, string>``;
    ``date32``; ``timestamp`` in every unit, with and without a time zone (``UTC``,
    ``Europe/Berlin``, ...); ``duration`` in every unit; and ``null``. Examples shrink
    towards ``int64``.

    Parameters
    ----------
    allowed
        Restrict the pool. Entries are pyarrow types (used literally, so types outside the
        default pool may be requested) or family names from :data:`TYPE_FAMILIES`
        (``"integer"``, ``"float"``, ``"string"``, ``"temporal"``, ...).
    excluded
        Types or family names to leave out; applied after ``allowed``.

    Returns
    -------
    SearchStrategy[pyarrow.DataType]

    Raises
    ------
    hypothesis.errors.InvalidArgument
        For an unknown family name or when nothing is left to draw from.

    Examples
    --------
    >>> from frame.testing.strategies import arrow_types
    >>> numeric_but_not_decimal = arrow_types(allowed=["numeric"], excluded=["decimal"])
    """
    allowed_specs = _check_specs(allowed, "allowed")
    excluded_specs = _check_specs(excluded, "excluded") or []

    leaves: list[tuple[str, st.SearchStrategy[pa.DataType]]] = []
    if allowed_specs is None:
        leaves.extend((fam, st.just(t)) for fam, t in _SIMPLE_TYPES)
        leaves.append(("decimal", _decimal_types()))
        leaves.append(("timestamp", _timestamp_types()))
        leaves.append(("duration", _duration_types()))
        leaves.append(("null", st.just(pa.null())))
    else:
        for spec in allowed_specs:
            if isinstance(spec, pa.DataType):
                leaves.append((_family(spec), st.just(spec)))
                continue
            fams = _expand_family(spec)
            leaves.extend((fam, st.just(t)) for fam, t in _SIMPLE_TYPES if fam in fams)
            if "decimal" in fams:
                leaves.append(("decimal", _decimal_types()))
            if "timestamp" in fams:
                leaves.append(("timestamp", _timestamp_types()))
            if "duration" in fams:
                leaves.append(("duration", _duration_types()))
            if "null" in fams:
                leaves.append(("null", st.just(pa.null())))

    excluded_fams = {f for s in excluded_specs if isinstance(s, str) for f in _expand_family(s)}
    excluded_types = [s for s in excluded_specs if isinstance(s, pa.DataType)]
    kept: list[st.SearchStrategy[pa.DataType]] = []
    for fam, strat in leaves:
        if fam in excluded_fams:
            continue
        if excluded_types:
            strat = strat.filter(lambda t: t not in excluded_types)
        kept.append(strat)
    if not kept:
        msg = f"arrow_types(allowed={allowed!r}, excluded={excluded!r}) leaves no type to draw"
        raise InvalidArgument(msg)
    return st.one_of(kept)


# --------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------


def _f64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _f32(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits))[0]


#: NaNs with different bit patterns (quiet, with payload, negative, signalling): kernels must
#: treat them all as one NaN (pandas GH 21866).
NAN_BITS_64 = (0x7FF8000000000000, 0x7FF8000000000001, 0xFFF8000000000000, 0x7FF0000000000001)
NAN_BITS_32 = (0x7FC00000, 0x7FC00001, 0xFFC00000, 0x7F800001)

_FLOAT_SPECIALS_64: tuple[float, ...] = (
    0.0,
    -0.0,
    *(_f64(b) for b in NAN_BITS_64),
    math.inf,
    -math.inf,
    1.0,
    -1.0,
    5e-324,
    2.2250738585072014e-308,
    1.7976931348623157e308,
    -1.7976931348623157e308,
    2.0**53,
    2.0**53 + 2,
)
_FLOAT_SPECIALS_32: tuple[float, ...] = (
    0.0,
    -0.0,
    *(_f32(b) for b in NAN_BITS_32),
    math.inf,
    -math.inf,
    1.0,
    -1.0,
    _f32(0x00000001),
    _f32(0x7F7FFFFF),
    -_f32(0x7F7FFFFF),
    2.0**24,
)

#: Strings that have broken string kernels elsewhere: empty, NUL inside, NFC vs NFD forms of
#: the same text (must stay distinct), 2-, 3- and 4-byte UTF-8, and strings longer than the
#: 12 bytes ``string_view`` stores inline.
EDGE_STRINGS: tuple[str, ...] = (
    "",
    "a",
    "A",
    " ",
    "é",
    "e\u0301",
    "ß",
    "日本語",
    "😀",
    "a\x00b",
    "\u200b",
    "a string longer than twelve bytes",
    "prefix-same-0001",
    "prefix-same-0002",
)
EDGE_BINARY: tuple[bytes, ...] = (
    b"",
    b"\x00",
    b"\xff\xfe\xfd",
    b"abc",
    b"binary longer than twelve",
)

_DATE32_MIN, _DATE32_MAX = -719162, 2932896  # 0001-01-01 .. 9999-12-31
# Timestamps stay within what datetime (and a tz shift of a day) can represent so that
# ``to_pylist`` and the pandas/polars oracles can convert every value.
_TS_SECONDS = (-62135596800 + 2 * 86400, 253402300799 - 2 * 86400)
_TS_RANGE = {
    "s": _TS_SECONDS,
    "ms": (_TS_SECONDS[0] * 1000, _TS_SECONDS[1] * 1000),
    "us": (_TS_SECONDS[0] * 1_000_000, _TS_SECONDS[1] * 1_000_000),
    "ns": (-(2**63) + 2 * 86400 * 10**9, 2**63 - 1 - 2 * 86400 * 10**9),
}
_DURATION_DAYS = 999_999_998  # datetime.timedelta limit
_DURATION_RANGE = {
    "s": (-_DURATION_DAYS * 86400, _DURATION_DAYS * 86400),
    "ms": (-_DURATION_DAYS * 86400 * 1000, _DURATION_DAYS * 86400 * 1000),
    "us": (-(2**63), 2**63 - 1),
    "ns": (-(2**63) + 1, 2**63 - 1),  # int64 min is pandas' NaT
}


def _bounded_ints(lo: int, hi: int) -> st.SearchStrategy[int]:
    edges = [v for v in (0, 1, -1, lo, hi, lo + 1, hi - 1) if lo <= v <= hi]
    return st.one_of(
        st.sampled_from(edges), st.integers(max(lo, -8), min(hi, 8)), st.integers(lo, hi)
    )


def _int_range(t: pa.DataType) -> tuple[int, int]:
    bits = t.bit_width
    if pa.types.is_signed_integer(t):
        return -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return 0, 2**bits - 1


def _value_strategy(t: pa.DataType) -> st.SearchStrategy[Any]:
    """Python values (never None) for the non-null slots of an array of type ``t``.

    Decimals are drawn as unscaled integers, temporal types as integers in their unit.
    """
    if pa.types.is_boolean(t):
        return st.booleans()
    if pa.types.is_integer(t):
        return _bounded_ints(*_int_range(t))
    if pa.types.is_float32(t):
        return st.one_of(st.sampled_from(_FLOAT_SPECIALS_32), st.floats(width=32))
    if pa.types.is_floating(t):
        return st.one_of(st.sampled_from(_FLOAT_SPECIALS_64), st.floats())
    if pa.types.is_decimal(t):
        bound = 10**t.precision - 1
        return _bounded_ints(-bound, bound)
    if _family(t) == "string":
        return st.one_of(st.sampled_from(EDGE_STRINGS), st.text(max_size=8))
    if _family(t) == "binary":
        return st.one_of(st.sampled_from(EDGE_BINARY), st.binary(max_size=8))
    if pa.types.is_date32(t):
        return _bounded_ints(_DATE32_MIN, _DATE32_MAX)
    if pa.types.is_timestamp(t):
        return _bounded_ints(*_TS_RANGE[t.unit])
    if pa.types.is_duration(t):
        return _bounded_ints(*_DURATION_RANGE[t.unit])
    if pa.types.is_dictionary(t):
        return _value_strategy(t.value_type)
    msg = f"no default value strategy for {t}; pass values="
    raise InvalidArgument(msg)


def _canonical(value: Any) -> Hashable:
    """Key under which two values count as equal for ``unique=True`` (one NaN, ``-0.0 == 0.0``)."""
    if isinstance(value, float):
        if math.isnan(value):
            return ("nan",)
        return value + 0.0
    return value


def _max_distinct(t: pa.DataType) -> int | None:
    if pa.types.is_boolean(t):
        return 2
    if pa.types.is_null(t):
        return 0
    if pa.types.is_integer(t) and t.bit_width <= 16:
        lo, hi = _int_range(t)
        return hi - lo + 1
    return None


def _is_fixed_width(t: pa.DataType) -> bool:
    if pa.types.is_dictionary(t):
        return True  # the indices are
    try:
        t.bit_width  # noqa: B018
    except ValueError:
        return False
    return not pa.types.is_null(t)


def _build(t: pa.DataType, values: list[Any], *, physical: bool) -> pa.Array:
    """Build an offset-0 array from Python values (None = null); null slots are zero."""
    if pa.types.is_null(t):
        return pa.nulls(len(values))
    if physical and pa.types.is_decimal(t):
        width = t.bit_width // 8
        data = b"".join(
            (0 if v is None else v).to_bytes(width, "little", signed=True) for v in values
        )
        arr = pa.array([None if v is None else 0 for v in values], pa.int8())
        validity = arr.buffers()[0]
        return pa.Array.from_buffers(t, len(values), [validity, pa.py_buffer(data)])
    if physical and _family(t) in ("date", "timestamp", "duration"):
        storage = pa.int32() if t.bit_width == 32 else pa.int64()
        return pa.array(values, storage).view(t)
    if pa.types.is_dictionary(t):
        plain = pa.array(values, t.value_type).dictionary_encode()
        return plain.cast(t) if plain.type != t else plain
    return pa.array(values, t)


def _garbage(draw: st.DrawFn, width: int) -> bytes:
    kind = draw(st.sampled_from(("ones", "max", "random")))
    if kind == "ones":  # -1 / NaN with every payload bit set / out-of-range code
        return b"\xff" * width
    if kind == "max":  # signed maximum / huge positive value
        return b"\xff" * (width - 1) + b"\x7f"
    return draw(st.binary(min_size=width, max_size=width))


def _mask_out(draw: st.DrawFn, arr: pa.Array) -> pa.Array:
    """Fill the value slots under nulls of an offset-0 fixed-width array with garbage.

    Arrays without nulls may get an all-valid validity bitmap instead of none. The null count
    is sometimes left unknown (``-1``) so consumers must count it themselves.
    """
    if pa.types.is_dictionary(arr.type):
        indices = _mask_out(draw, arr.indices)
        return pa.DictionaryArray.from_arrays(indices, arr.dictionary)
    n = len(arr)
    if n == 0:
        return arr
    validity = arr.buffers()[0]
    if arr.null_count == 0:
        if not draw(st.booleans()):
            return arr
        bitmap = pa.py_buffer(b"\xff" * ((n + 7) // 8))
        return pa.Array.from_buffers(arr.type, n, [bitmap, arr.buffers()[1]], null_count=0)
    valid = arr.is_valid().to_pylist()
    data = bytearray(arr.buffers()[1].to_pybytes())
    if pa.types.is_boolean(arr.type):
        for i in range(n):
            if not valid[i] and draw(st.booleans()):
                data[i // 8] |= 1 << (i % 8)
    else:
        width = arr.type.bit_width // 8
        for i in range(n):
            if not valid[i]:
                data[i * width : (i + 1) * width] = _garbage(draw, width)
    null_count = draw(st.sampled_from((arr.null_count, -1)))
    return pa.Array.from_buffers(
        arr.type, n, [validity, pa.py_buffer(bytes(data))], null_count=null_count
    )


def _null_weight(draw: st.DrawFn, allow_null: bool) -> int:
    """Nulls per ten slots: 0 (none), 1, 5 or 10 (all null); shrinks to no nulls."""
    return draw(st.sampled_from((0, 1, 5, 10))) if allow_null else 0


def _resolve_type(draw: st.DrawFn, dtype: pa.DataType | st.SearchStrategy | None) -> pa.DataType:
    if dtype is None:
        return draw(arrow_types())
    if isinstance(dtype, st.SearchStrategy):
        return draw(dtype)
    if isinstance(dtype, pa.DataType):
        return dtype
    msg = f"dtype must be a pyarrow DataType, a strategy of them or None, got {dtype!r}"
    raise InvalidArgument(msg)


def _check_sizes(min_size: int, max_size: int) -> None:
    if not 0 <= min_size <= max_size:
        msg = f"need 0 <= min_size <= max_size, got min_size={min_size}, max_size={max_size}"
        raise InvalidArgument(msg)


@st.composite
def arrays(
    draw: st.DrawFn,
    dtype: pa.DataType | st.SearchStrategy[pa.DataType] | None = None,
    *,
    min_size: int = 0,
    max_size: int = 20,
    allow_null: bool = True,
    allow_slices: bool = True,
    allow_masked_out: bool = True,
    unique: bool = False,
    values: st.SearchStrategy[Any] | None = None,
) -> pa.Array:
    """Strategy for a ``pyarrow.Array`` with the edge cases kernels get wrong.

    Floats include NaN with several bit patterns (quiet, payload, negative, signalling),
    ``±inf``, ``-0.0``, subnormals and the extremes; integers include the type's minimum and
    maximum; strings include the empty string, NUL bytes, NFC/NFD pairs, 2-4 byte UTF-8 and
    strings longer than 12 bytes; temporal values stay inside what ``datetime`` represents.

    Parameters
    ----------
    dtype
        Arrow type, a strategy of types, or ``None`` to draw from :func:`arrow_types`.
    min_size, max_size
        Bounds on the length of the array (inclusive).
    allow_null
        Allow null slots. The null density is drawn from none, 10%, 50% and all-null.
    allow_slices
        Sometimes build a longer parent and return ``parent.slice(off, n)`` with
        ``off`` in 1..9, so bitmaps start at every bit offset and offsets buffers do not
        start at zero.
    allow_masked_out
        For fixed-width types (and dictionary indices), sometimes fill the slots under nulls
        with garbage (``0xFF..``, signed maximum, random bytes) instead of zeros, leave the
        null count unknown, or attach an all-valid bitmap to an array without nulls.
    unique
        Non-null values are pairwise distinct (NaNs count as one value and ``-0.0`` equals
        ``0.0``) and there is at most one null.
    values
        Strategy for the Python values of non-null slots, converted with
        ``pyarrow.array(values, type=dtype)``. Overrides the built-in value generation.

    Returns
    -------
    SearchStrategy[pyarrow.Array]
        Arrays that pass ``validate(full=True)``.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from hypothesis import strategies as st
    >>> from frame.testing.strategies import arrays
    >>> small_keys = arrays(pa.int32(), values=st.integers(0, 3), max_size=50)
    """
    _check_sizes(min_size, max_size)
    t = _resolve_type(draw, dtype)

    cap = _max_distinct(t) if unique and values is None else None
    if cap is not None:
        limit = cap + (1 if allow_null or pa.types.is_null(t) else 0)
        if min_size > limit:
            msg = f"cannot draw {min_size} unique values of type {t}"
            raise InvalidArgument(msg)
        max_size = min(max_size, limit)
        allow_slices = False  # the parent must stay within the type's distinct values too

    n = draw(st.integers(min_size, max_size))
    offset = tail = 0
    if allow_slices and draw(st.booleans()):
        offset = draw(st.integers(1, 9))
        tail = draw(st.integers(0, 3))
    length = offset + n + tail

    if pa.types.is_null(t):
        parent = pa.nulls(length)
    else:
        weight = _null_weight(draw, allow_null)
        if pa.types.is_dictionary(t) and values is None:
            pool = draw(
                st.lists(
                    _value_strategy(t.value_type),
                    min_size=max(1, length if unique else 1),
                    max_size=max(6, length if unique else 6),
                    unique=True,
                )
            )
            elements: st.SearchStrategy[Any] = st.integers(0, len(pool) - 1)
        else:
            pool = None
            elements = values if values is not None else _value_strategy(t)

        if unique:
            max_nulls = 1 if weight else 0
            null_at = draw(st.integers(-1, length - 1)) if max_nulls and length else -1
            distinct = draw(
                st.lists(
                    elements,
                    min_size=length - (null_at >= 0),
                    max_size=length - (null_at >= 0),
                    unique_by=_canonical,
                )
            )
            slots: list[Any] = list(distinct)
            if null_at >= 0:
                slots.insert(null_at, None)
        else:
            slots = []
            for _ in range(length):
                is_null = weight and draw(st.integers(0, 9)) >= 10 - weight
                slots.append(None if is_null else draw(elements))

        if pool is not None:
            indices = pa.array(slots, pa.int32())
            parent = pa.DictionaryArray.from_arrays(indices, pa.array(pool, t.value_type))
            if parent.type != t:
                parent = parent.cast(t)
        else:
            parent = _build(t, slots, physical=values is None)

        if allow_masked_out and _is_fixed_width(t) and draw(st.booleans()):
            parent = _mask_out(draw, parent)

    return parent.slice(offset, n) if (offset or tail) else parent


def _split(draw: st.DrawFn, arr: pa.Array, allow_chunks: bool) -> pa.ChunkedArray:
    n = len(arr)
    if not allow_chunks:
        return pa.chunked_array([arr], type=arr.type)
    k = draw(st.integers(1, 3))
    cuts = sorted(draw(st.lists(st.integers(0, n), min_size=k - 1, max_size=k - 1)))
    bounds = [0, *cuts, n]
    chunks = [arr.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
    if pa.types.is_dictionary(arr.type) and k > 1 and draw(st.booleans()):
        # per-chunk dictionaries: code 0 means a different string in each chunk
        chunks = [c.dictionary_decode().dictionary_encode().cast(arr.type) for c in chunks]
    return pa.chunked_array(chunks, type=arr.type)


@st.composite
def chunked_arrays(
    draw: st.DrawFn,
    dtype: pa.DataType | st.SearchStrategy[pa.DataType] | None = None,
    *,
    min_size: int = 0,
    max_size: int = 20,
    allow_null: bool = True,
    allow_slices: bool = True,
    allow_masked_out: bool = True,
    allow_chunks: bool = True,
    unique: bool = False,
    values: st.SearchStrategy[Any] | None = None,
) -> pa.ChunkedArray:
    """Strategy for a ``pyarrow.ChunkedArray`` cut into 1-3 chunks.

    The data is drawn with :func:`arrays` and cut at random points, so chunks can be empty
    and every chunk after the first has a non-zero offset. Dictionary arrays sometimes get
    a different dictionary per chunk.

    Parameters
    ----------
    dtype, min_size, max_size, allow_null, allow_slices, allow_masked_out, unique, values
        As in :func:`arrays`; sizes count rows over all chunks.
    allow_chunks
        If False, return a single chunk.

    Returns
    -------
    SearchStrategy[pyarrow.ChunkedArray]
    """
    arr = draw(
        arrays(
            dtype,
            min_size=min_size,
            max_size=max_size,
            allow_null=allow_null,
            allow_slices=allow_slices,
            allow_masked_out=allow_masked_out,
            unique=unique,
            values=values,
        )
    )
    return _split(draw, arr, allow_chunks)


def _key_values(draw: st.DrawFn, t: pa.DataType, cardinality: int) -> st.SearchStrategy[Any]:
    """Python-value strategy drawing from a pool of ``cardinality`` values of type ``t``."""
    base = t.value_type if pa.types.is_dictionary(t) else t
    pool = draw(st.lists(_value_strategy(base), min_size=cardinality, max_size=cardinality))
    if pa.types.is_floating(base) and draw(st.booleans()):
        # the float keys that must collapse into one group / match each other
        nans = NAN_BITS_32 if pa.types.is_float32(base) else NAN_BITS_64
        conv = _f32 if pa.types.is_float32(base) else _f64
        pool[len(pool) // 2 :] = [0.0, -0.0, conv(nans[0]), conv(nans[2])][
            : max(1, cardinality // 2)
        ]
    if pa.types.is_decimal(base):
        pool = [_to_decimal(v, base.scale) for v in pool]
    # temporal pools stay integers: pyarrow.array accepts them for date/timestamp/duration
    return st.sampled_from(pool)


def _to_decimal(unscaled: int, scale: int) -> Any:
    import decimal

    sign = 1 if unscaled < 0 else 0
    digits = tuple(int(c) for c in str(abs(unscaled)))
    return decimal.Decimal((sign, digits, -scale))


def _resolve_cardinality(draw: st.DrawFn, cardinality: int | st.SearchStrategy[int]) -> int:
    k = draw(cardinality) if isinstance(cardinality, st.SearchStrategy) else cardinality
    if k < 1:
        msg = f"cardinality must be >= 1, got {k}"
        raise InvalidArgument(msg)
    return k


@st.composite
def key_columns(
    draw: st.DrawFn,
    dtype: pa.DataType | st.SearchStrategy[pa.DataType] | None = None,
    cardinality: int | st.SearchStrategy[int] = st.integers(1, 8),  # noqa: B008
    *,
    min_size: int = 0,
    max_size: int = 20,
    allow_null: bool = True,
    allow_slices: bool = True,
    allow_masked_out: bool = True,
    allow_chunks: bool = False,
) -> pa.Array | pa.ChunkedArray:
    """Strategy for a key column whose values come from a small pool, so keys collide.

    Use it for group-by keys, join keys, ``unique`` and sort ties. Float pools sometimes
    contain ``0.0``, ``-0.0`` and NaNs with different bit patterns, which must behave as one
    key each.

    Parameters
    ----------
    dtype
        Arrow type, strategy of types, or ``None`` for any type except ``null``.
    cardinality
        Number of pool values (before canonicalisation), an int or a strategy of ints.
    min_size, max_size, allow_null, allow_slices, allow_masked_out
        As in :func:`arrays`.
    allow_chunks
        Return a ``ChunkedArray`` of 1-3 chunks instead of an ``Array``.

    Returns
    -------
    SearchStrategy[pyarrow.Array | pyarrow.ChunkedArray]
    """
    if dtype is None:
        dtype = arrow_types(excluded=["null"])
    t = _resolve_type(draw, dtype)
    k = _resolve_cardinality(draw, cardinality)
    if pa.types.is_null(t):
        arr = draw(arrays(t, min_size=min_size, max_size=max_size, allow_slices=allow_slices))
    else:
        arr = draw(
            arrays(
                t,
                min_size=min_size,
                max_size=max_size,
                allow_null=allow_null,
                allow_slices=allow_slices,
                allow_masked_out=allow_masked_out,
                values=_key_values(draw, t, k),
            )
        )
    return _split(draw, arr, allow_chunks) if allow_chunks else arr


@dataclass(frozen=True)
class column:
    """Specification of one column for :func:`tables`.

    Parameters
    ----------
    name
        Column name.
    dtype
        Arrow type or strategy of types; ``None`` draws from the table's allowed types.
    values
        Strategy for Python values of non-null slots (see :func:`arrays`).
    allow_null
        Override the table-level ``allow_null``.
    unique
        Distinct non-null values (see :func:`arrays`).
    cardinality
        Make this a key column drawing from a pool of this many values (see
        :func:`key_columns`).

    Examples
    --------
    >>> import pyarrow as pa
    >>> from frame.testing.strategies import column, tables
    >>> keyed = tables([column("k", pa.string(), cardinality=3), column("v", pa.float64())])
    """

    name: str
    dtype: pa.DataType | st.SearchStrategy[pa.DataType] | None = None
    values: st.SearchStrategy[Any] | None = None
    allow_null: bool | None = None
    unique: bool = False
    cardinality: int | st.SearchStrategy[int] | None = None


@st.composite
def tables(
    draw: st.DrawFn,
    cols: int | Sequence[column] | st.SearchStrategy[int] | None = None,
    *,
    min_size: int = 0,
    max_size: int = 20,
    min_cols: int = 1,
    max_cols: int = 5,
    allowed_types: Sequence[TypeSpec] | None = None,
    excluded_types: Sequence[TypeSpec] | None = None,
    allow_null: bool = True,
    allow_slices: bool = True,
    allow_masked_out: bool = True,
    allow_chunks: bool = True,
    names: st.SearchStrategy[str] | None = None,
) -> pa.Table:
    """Strategy for a ``pyarrow.Table`` with unique column names.

    Each column is drawn with :func:`arrays` (or :func:`key_columns` for columns with a
    ``cardinality``) and, when ``allow_chunks``, cut into its own 1-3 chunks, so columns of
    one table do not share chunk boundaries.

    Parameters
    ----------
    cols
        Number of columns (int or strategy of ints), a sequence of :class:`column`
        specifications, or ``None`` for ``min_cols`` .. ``max_cols`` columns.
    min_size, max_size
        Bounds on the number of rows.
    min_cols, max_cols
        Bounds on the number of columns when ``cols`` is ``None``.
    allowed_types, excluded_types
        Passed to :func:`arrow_types` for columns without a ``dtype``.
    allow_null, allow_slices, allow_masked_out
        As in :func:`arrays`.
    allow_chunks
        Cut columns into 1-3 chunks.
    names
        Strategy for column names; default ``"col0"``, ``"col1"``, ...

    Returns
    -------
    SearchStrategy[pyarrow.Table]
    """
    _check_sizes(min_size, max_size)
    if cols is None:
        cols = st.integers(min_cols, max_cols)
    if isinstance(cols, st.SearchStrategy):
        cols = draw(cols)
    if isinstance(cols, int):
        if names is None:
            col_names = [f"col{j}" for j in range(cols)]
        else:
            col_names = draw(st.lists(names, min_size=cols, max_size=cols, unique=True))
        specs = [column(name) for name in col_names]
    else:
        specs = list(cols)
        seen = [c.name for c in specs]
        if len(set(seen)) != len(seen):
            msg = f"column names must be unique, got {seen}"
            raise InvalidArgument(msg)

    default_types = arrow_types(allowed=allowed_types, excluded=excluded_types)
    n = draw(st.integers(min_size, max_size))
    data: dict[str, pa.ChunkedArray] = {}
    for spec in specs:
        nullable = allow_null if spec.allow_null is None else spec.allow_null
        dtype = default_types if spec.dtype is None else spec.dtype
        if spec.cardinality is not None:
            arr = draw(
                key_columns(
                    dtype,
                    spec.cardinality,
                    min_size=n,
                    max_size=n,
                    allow_null=nullable,
                    allow_slices=allow_slices,
                    allow_masked_out=allow_masked_out,
                )
            )
        else:
            arr = draw(
                arrays(
                    dtype,
                    min_size=n,
                    max_size=n,
                    allow_null=nullable,
                    allow_slices=allow_slices,
                    allow_masked_out=allow_masked_out,
                    unique=spec.unique,
                    values=spec.values,
                )
            )
        data[spec.name] = _split(draw, arr, allow_chunks)
    if not data:
        return pa.table({})
    return pa.table(data)
