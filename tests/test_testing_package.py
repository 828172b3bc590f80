"""Tests of frame.testing: strategies produce valid, edge-case-rich Arrow data; asserts
implement the documented null/NaN/-0.0/tolerance/order semantics; profiles load."""

from __future__ import annotations

import math
import struct

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import frame.testing as ft
from frame.testing import (
    assert_frame_equal,
    assert_frame_not_equal,
    assert_series_equal,
    assert_series_not_equal,
    profiles,
)
from frame.testing import strategies as fst

# Settings for ``find``: explore enough inputs to reach rare shapes, deterministically, and
# return the first hit without shrinking it.
FIND = settings(
    max_examples=2000,
    database=None,
    derandomize=True,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


def _f64(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


# ============================================================================================
# strategies: validity
# ============================================================================================


@given(arr=fst.arrays())
def test_arrays_are_valid(arr: pa.Array) -> None:
    arr.validate(full=True)
    assert 0 <= len(arr) <= 20
    # to_pylist must work for every generated value (oracles depend on it)
    assert len(arr.to_pylist()) == len(arr)


@given(arr=fst.chunked_arrays())
def test_chunked_arrays_are_valid(arr: pa.ChunkedArray) -> None:
    arr.validate(full=True)
    assert 1 <= arr.num_chunks <= 3
    assert len(arr) <= 20
    for chunk in arr.chunks:
        assert chunk.type == arr.type


@given(table=fst.tables())
def test_tables_are_valid(table: pa.Table) -> None:
    table.validate(full=True)
    assert 1 <= table.num_columns <= 5
    assert table.num_rows <= 20
    assert len(set(table.column_names)) == table.num_columns


@given(keys=fst.key_columns())
def test_key_columns_are_valid_and_collide(keys: pa.Array) -> None:
    keys.validate(full=True)
    distinct = {_canon(v) for v in keys.to_pylist() if v is not None}
    assert len(distinct) <= 8


@given(keys=fst.key_columns(pa.string(), cardinality=3, allow_chunks=True, min_size=5))
def test_key_columns_cardinality_and_chunks(keys: pa.ChunkedArray) -> None:
    keys.validate(full=True)
    assert isinstance(keys, pa.ChunkedArray)
    assert len({v for v in keys.to_pylist() if v is not None}) <= 3


def _canon(v: object) -> object:
    if isinstance(v, float):
        return "nan" if math.isnan(v) else v + 0.0
    return v


@pytest.mark.parametrize(
    "dtype",
    [
        pa.bool_(),
        pa.int8(),
        pa.uint64(),
        pa.float32(),
        pa.float64(),
        pa.decimal128(38, 10),
        pa.decimal128(1, 0),
        pa.string(),
        pa.large_string(),
        pa.string_view(),
        pa.binary(),
        pa.dictionary(pa.int32(), pa.string()),
        pa.date32(),
        pa.timestamp("s", "Europe/Berlin"),
        pa.timestamp("ns", "UTC"),
        pa.duration("s"),
        pa.duration("ns"),
        pa.null(),
    ],
    ids=str,
)
@given(data=st.data())
def test_arrays_per_type(dtype: pa.DataType, data: st.DataObject) -> None:
    arr = data.draw(fst.arrays(dtype, min_size=1, max_size=5))
    arr.validate(full=True)
    assert arr.type == dtype
    assert 1 <= len(arr) <= 5
    arr.to_pylist()


@given(arr=fst.arrays(allow_null=False))
def test_no_nulls_when_disallowed(arr: pa.Array) -> None:
    if not pa.types.is_null(arr.type):
        assert arr.null_count == 0


@given(arr=fst.arrays(fst.arrow_types(excluded=["null"]), unique=True))
def test_unique_values(arr: pa.Array) -> None:
    arr.validate(full=True)
    values = arr.to_pylist()
    non_null = [_canon(v) for v in values if v is not None]
    assert len(non_null) == len(set(non_null))
    assert values.count(None) <= 1


@given(arr=fst.arrays(pa.bool_(), unique=True, min_size=3, max_size=3))
def test_unique_bool_saturates(arr: pa.Array) -> None:
    assert len(arr) == 3
    assert set(arr.to_pylist()) == {False, True, None}


def test_unique_impossible_size_is_rejected() -> None:
    with pytest.raises(InvalidArgument, match="unique"):
        find(fst.arrays(pa.bool_(), unique=True, min_size=4, allow_null=False), lambda a: True)


@given(arr=fst.arrays(pa.int16(), values=st.integers(0, 3), min_size=1))
def test_values_override(arr: pa.Array) -> None:
    assert all(v is None or 0 <= v <= 3 for v in arr.to_pylist())


@given(
    table=fst.tables(
        [
            fst.column("k", pa.string(), cardinality=2),
            fst.column("id", pa.int64(), unique=True, allow_null=False),
            fst.column("v", fst.arrow_types(allowed=["float"])),
        ],
        min_size=1,
    )
)
def test_tables_with_column_specs(table: pa.Table) -> None:
    table.validate(full=True)
    assert table.column_names == ["k", "id", "v"]
    assert table.schema.field("k").type == pa.string()
    assert pa.types.is_floating(table.schema.field("v").type)
    ids = table.column("id").to_pylist()
    assert len(set(ids)) == len(ids) and None not in ids
    assert len(set(table.column("k").to_pylist()) - {None}) <= 2


@given(table=fst.tables(3, names=st.text(min_size=1, max_size=5)))
def test_tables_with_name_strategy(table: pa.Table) -> None:
    assert table.num_columns == 3
    assert len(set(table.column_names)) == 3


# ============================================================================================
# strategies: the edge cases are actually reachable
# ============================================================================================


@pytest.mark.parametrize("bit", range(1, 8))
def test_reaches_every_bitmap_bit_offset(bit: int) -> None:
    arr = find(
        fst.arrays(pa.int32(), min_size=1),
        lambda a: a.offset % 8 == bit and a.null_count > 0,
        settings=FIND,
    )
    arr.validate(full=True)


def test_reaches_offset_nine() -> None:
    find(fst.arrays(pa.bool_()), lambda a: a.offset == 9, settings=FIND)


def test_reaches_float_specials() -> None:
    def has_all(a: pa.Array) -> bool:
        vals = [v for v in a.to_pylist() if v is not None]
        return (
            any(v == 0 and math.copysign(1, v) < 0 for v in vals)
            and any(math.isinf(v) for v in vals)
            and any(math.isnan(v) for v in vals)
        )

    find(fst.arrays(pa.float64(), allow_null=False, max_size=20), has_all, settings=FIND)


def test_reaches_nan_payloads() -> None:
    def payload_nan(a: pa.Array) -> bool:
        vals = [v for v in a.to_pylist() if v is not None]
        return any(math.isnan(v) and _bits(v) != 0x7FF8000000000000 for v in vals)

    arr = find(fst.arrays(pa.float64()), payload_nan, settings=FIND)
    arr.validate(full=True)


@pytest.mark.parametrize("dtype", [pa.int8(), pa.int64(), pa.uint64()], ids=str)
def test_reaches_integer_extremes(dtype: pa.DataType) -> None:
    lo, hi = fst._int_range(dtype)
    find(fst.arrays(dtype), lambda a: {lo, hi} <= set(a.to_pylist()), settings=FIND)


def test_reaches_unicode_and_empty_strings() -> None:
    find(
        fst.arrays(pa.string()),
        lambda a: "" in a.to_pylist() and any(v and not v.isascii() for v in a.to_pylist()),
        settings=FIND,
    )


def _garbage_under_null(a: pa.Array) -> bool:
    if a.null_count == 0:
        return False
    data = a.buffers()[1]
    width = a.type.bit_width // 8
    valid = a.is_valid().to_pylist()
    raw = data.to_pybytes()
    for i, ok in enumerate(valid):
        start = (a.offset + i) * width
        if not ok and raw[start : start + width] != b"\x00" * width:
            return True
    return False


@pytest.mark.parametrize("dtype", [pa.int64(), pa.float64(), pa.decimal128(10, 2)], ids=str)
def test_reaches_masked_out_garbage(dtype: pa.DataType) -> None:
    arr = find(fst.arrays(dtype), _garbage_under_null, settings=FIND)
    arr.validate(full=True)


def test_masked_out_garbage_never_leaks_into_values() -> None:
    arr = find(fst.arrays(pa.int64(), allow_slices=False), _garbage_under_null, settings=FIND)
    # rebuilding from Python values zeroes the slots; the logical values are unchanged
    clean = pa.array(arr.to_pylist(), arr.type)
    assert arr.equals(clean)


def test_masked_out_can_be_disabled() -> None:
    with pytest.raises(Exception, match="No examples found"):
        find(
            fst.arrays(pa.int64(), allow_masked_out=False),
            _garbage_under_null,
            settings=settings(FIND, max_examples=300),
        )


def test_reaches_empty_chunks() -> None:
    find(
        fst.chunked_arrays(pa.int64(), min_size=1),
        lambda c: c.num_chunks >= 2 and any(len(x) == 0 for x in c.chunks),
        settings=FIND,
    )


def test_reaches_per_chunk_dictionaries() -> None:
    def differing(c: pa.ChunkedArray) -> bool:
        dicts = [x.dictionary for x in c.chunks if len(x)]
        return len(dicts) >= 2 and not all(d.equals(dicts[0]) for d in dicts)

    arr = find(
        fst.chunked_arrays(pa.dictionary(pa.int32(), pa.string()), min_size=2),
        differing,
        settings=FIND,
    )
    arr.validate(full=True)


def test_reaches_float_key_collisions() -> None:
    def colliding(a: pa.Array) -> bool:
        vals = [v for v in a.to_pylist() if v is not None]
        zeros = {math.copysign(1, v) for v in vals if v == 0}
        return zeros == {-1.0, 1.0} and sum(math.isnan(v) for v in vals) >= 2

    find(fst.key_columns(pa.float64(), min_size=6), colliding, settings=FIND)


def test_reaches_tz_aware_timestamps() -> None:
    find(fst.arrow_types(), lambda t: pa.types.is_timestamp(t) and t.tz == "Europe/Berlin")


# ============================================================================================
# strategies: arrow_types arguments
# ============================================================================================


@given(t=fst.arrow_types(allowed=["integer"]))
def test_arrow_types_allowed_family(t: pa.DataType) -> None:
    assert pa.types.is_integer(t)


@given(t=fst.arrow_types(allowed=["numeric", pa.large_binary()], excluded=["decimal", pa.int8()]))
def test_arrow_types_allowed_and_excluded(t: pa.DataType) -> None:
    assert t != pa.int8()
    assert not pa.types.is_decimal(t)
    assert pa.types.is_integer(t) or pa.types.is_floating(t) or t == pa.large_binary()


@given(t=fst.arrow_types(excluded=["temporal", "null", "string"]))
def test_arrow_types_excluded_families(t: pa.DataType) -> None:
    assert not pa.types.is_temporal(t)
    assert not pa.types.is_null(t)
    assert not pa.types.is_string(t) and not pa.types.is_string_view(t)


@given(t=fst.arrow_types(allowed=["decimal"]))
def test_arrow_types_decimal_precision(t: pa.DataType) -> None:
    assert 1 <= t.precision <= 38
    assert 0 <= t.scale <= t.precision


def test_arrow_types_bad_arguments() -> None:
    with pytest.raises(InvalidArgument, match="unknown type family"):
        fst.arrow_types(allowed=["ints"])
    with pytest.raises(InvalidArgument, match="leaves no type"):
        fst.arrow_types(allowed=["float"], excluded=["numeric"])
    with pytest.raises(InvalidArgument, match="DataTypes or family names"):
        fst.arrow_types(allowed=[int])


def test_lazy_exports() -> None:
    assert ft.arrays is fst.arrays
    assert ft.tables is fst.tables
    assert {"arrays", "assert_frame_equal"} <= set(dir(ft))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        ft.nope  # noqa: B018


# ============================================================================================
# asserts: semantics
# ============================================================================================

NAN = float("nan")
NAN_PAYLOAD = _f64(0x7FF8000000000001)
NEG_NAN = _f64(0xFFF8000000000000)


def t(**cols: object) -> pa.Table:
    return pa.table(cols)


def test_equal_tables_pass() -> None:
    assert_frame_equal(t(a=[1, 2, None], b=["x", None, "é"]), t(a=[1, 2, None], b=["x", None, "é"]))


def test_nan_equals_nan_of_any_payload() -> None:
    assert_frame_equal(t(a=[NAN, 1.0]), t(a=[NAN_PAYLOAD, 1.0]))
    assert_frame_equal(t(a=[NEG_NAN]), t(a=[NAN]), check_exact=True)
    assert_series_equal(pa.array([NAN], pa.float32()), pa.array([NEG_NAN], pa.float32()))


def test_null_equals_null_but_not_nan() -> None:
    assert_frame_equal(t(a=pa.array([None], pa.float64())), t(a=pa.array([None], pa.float64())))
    with pytest.raises(AssertionError, match=r"left:  nan\n  right: None"):
        assert_frame_equal(t(a=[NAN]), t(a=pa.array([None], pa.float64())))
    assert_frame_not_equal(t(a=pa.array([None], pa.float64())), t(a=[NAN]), check_exact=True)


def test_signed_zero() -> None:
    assert_frame_equal(t(a=[0.0]), t(a=[-0.0]))
    with pytest.raises(AssertionError, match="signed zeros differ"):
        assert_frame_equal(t(a=[0.0]), t(a=[-0.0]), check_exact=True)


def test_tolerance() -> None:
    assert_frame_equal(t(a=[1.0]), t(a=[1.0 + 1e-7]))
    assert_frame_not_equal(t(a=[1.0]), t(a=[1.0 + 1e-7]), check_exact=True)
    assert_frame_not_equal(t(a=[1.0]), t(a=[1.001]))
    assert_frame_equal(t(a=[1.0]), t(a=[1.001]), rtol=1e-2)
    assert_frame_equal(t(a=[0.0]), t(a=[1e-9]))
    assert_frame_not_equal(t(a=[0.0]), t(a=[1e-9]), atol=0.0)
    assert_frame_not_equal(t(a=[math.inf]), t(a=[1e308]))
    assert_frame_not_equal(t(a=[math.inf]), t(a=[-math.inf]))
    assert_frame_equal(t(a=[math.inf]), t(a=[math.inf]), check_exact=True)
    with pytest.raises(ValueError, match="non-negative"):
        assert_frame_equal(t(a=[1.0]), t(a=[1.0]), rtol=-1)


def test_integers_compare_exactly() -> None:
    big = 2**63 - 1
    assert_frame_not_equal(t(a=[big]), t(a=[big - 1]))
    assert_series_not_equal(pa.array([2**64 - 1], pa.uint64()), pa.array([2**64 - 2], pa.uint64()))


def test_message_names_column_row_and_values() -> None:
    left = t(a=[1, 2, 3], b=["x", "y", "z"])
    right = t(a=[1, 2, 3], b=["x", "y", "Z"])
    with pytest.raises(AssertionError) as info:
        assert_frame_equal(left, right)
    msg = str(info.value)
    assert "column 'b'" in msg
    assert "first differing row: 2" in msg
    assert "left:  'z'" in msg and "right: 'Z'" in msg
    assert "1 of 3 rows" in msg


def test_column_order() -> None:
    left, right = t(a=[1], b=[2]), t(b=[2], a=[1])
    with pytest.raises(AssertionError, match="column names differ"):
        assert_frame_equal(left, right)
    assert_frame_equal(left, right, check_column_order=False)
    with pytest.raises(AssertionError, match=r"only in left:  \['a'\]"):
        assert_frame_equal(t(a=[1], b=[2]), t(c=[1], b=[2]), check_column_order=False)


def test_row_order() -> None:
    left = t(a=[1, 2, None, 2], b=[NAN, -0.0, 1.0, None])
    right = t(a=[None, 2, 2, 1], b=[1.0, None, 0.0, NAN])
    with pytest.raises(AssertionError, match="column 'a'"):
        assert_frame_equal(left, right)
    assert_frame_equal(left, right, check_row_order=False)
    with pytest.raises(AssertionError, match="after sorting"):
        assert_frame_equal(left, right, check_row_order=False, check_exact=True)


def test_row_order_exact_signed_zero_multisets() -> None:
    left = t(a=[-0.0, 0.0], b=["x", "x"])
    right = t(a=[0.0, -0.0], b=["x", "x"])
    assert_frame_equal(left, right, check_row_order=False, check_exact=True)


def test_row_order_unsortable_types() -> None:
    left = pa.table(
        {
            "d": pa.array(["b", "a"]).dictionary_encode(),
            "v": pa.array(["q", "p"], pa.string_view()),
            "n": pa.nulls(2),
            "l": pa.array([[1, 2], None]),
        }
    )
    right = pa.table({name: _take_any(left.column(name), [1, 0]) for name in left.column_names})
    assert_frame_equal(left, right, check_row_order=False)
    assert_frame_not_equal(left, right)


def test_row_count_and_dtypes() -> None:
    with pytest.raises(AssertionError, match="number of rows differs"):
        assert_frame_equal(t(a=[1]), t(a=[1, 2]))
    with pytest.raises(
        AssertionError, match=r"column 'a': dtypes differ\n  left:  int64\n  right: int32"
    ):
        assert_frame_equal(t(a=[1]), t(a=pa.array([1], pa.int32())))
    assert_frame_equal(t(a=[1]), t(a=pa.array([1], pa.int32())), check_dtypes=False)
    assert_frame_equal(t(a=[1]), t(a=[1.0]), check_dtypes=False)
    assert_frame_not_equal(t(a=[True]), t(a=[1]), check_dtypes=False)
    assert_frame_equal(
        t(a=pa.array(["x"], pa.string_view())),
        t(a=pa.array(["x"], pa.large_string())),
        check_dtypes=False,
    )


def test_categorical_as_str() -> None:
    cat = t(a=pa.array(["x", None, "y"]).dictionary_encode())
    plain = t(a=pa.array(["x", None, "y"]))
    with pytest.raises(AssertionError, match="dtypes differ"):
        assert_frame_equal(cat, plain)
    assert_frame_equal(cat, plain, categorical_as_str=True)
    # same logical values, different dictionaries and codes
    other = pa.DictionaryArray.from_arrays(pa.array([1, None, 0], pa.int32()), pa.array(["y", "x"]))
    assert_frame_equal(cat, t(a=other))
    assert_frame_not_equal(cat, t(a=pa.array(["x", None, "z"]).dictionary_encode()))


def test_chunking_does_not_matter() -> None:
    left = t(a=pa.chunked_array([[1, 2], [], [3]]), b=pa.chunked_array([["x"], ["y", "z"]]))
    right = t(a=[1, 2, 3], b=["x", "y", "z"])
    assert_frame_equal(left, right)
    per_chunk_dicts = pa.chunked_array(
        [pa.array(["a", "b"]).dictionary_encode(), pa.array(["b"]).dictionary_encode()]
    )
    assert_series_equal(per_chunk_dicts, pa.array(["a", "b", "b"]).dictionary_encode())


def test_sliced_inputs() -> None:
    parent = pa.array([9, 1, None, 3, 9])
    assert_series_equal(parent.slice(1, 3), pa.array([1, None, 3]))


def test_zero_rows_and_zero_columns() -> None:
    assert_frame_equal(t(a=pa.array([], pa.int64())), t(a=pa.array([], pa.int64())))
    assert_frame_equal(pa.table({}), pa.table({}))
    assert_frame_equal(
        t(a=pa.array([], pa.float64())), t(a=pa.array([], pa.float64())), check_row_order=False
    )


def test_decimal_temporal_and_binary() -> None:
    import datetime as dt
    import decimal

    d = decimal.Decimal
    assert_frame_equal(
        t(a=pa.array([d("1.10")], pa.decimal128(5, 2))),
        t(a=pa.array([d("1.1")], pa.decimal128(5, 2))),
    )
    assert_frame_not_equal(
        t(a=pa.array([d("1.10")], pa.decimal128(5, 2))),
        t(a=pa.array([d("1.11")], pa.decimal128(5, 2))),
    )
    ts = pa.array([dt.datetime(2020, 1, 1, tzinfo=dt.UTC)], pa.timestamp("us", "UTC"))
    assert_frame_equal(t(a=ts), t(a=ts))
    assert_frame_not_equal(t(a=ts), t(a=ts.cast(pa.timestamp("us", "Europe/Berlin"))))
    assert_frame_not_equal(t(a=[b"\x00"]), t(a=[b""]))


def test_nested_values() -> None:
    left = t(a=pa.array([[1.0, NAN], None, [-0.0]]))
    assert_frame_equal(left, t(a=pa.array([[1.0, NAN_PAYLOAD], None, [0.0]])))
    assert_frame_not_equal(left, t(a=pa.array([[1.0, NAN_PAYLOAD], None, [0.0]])), check_exact=True)
    assert_frame_not_equal(left, t(a=pa.array([[1.0, None], None, [0.0]])))


def test_series() -> None:
    assert_series_equal(pa.array([1, 2]), pa.chunked_array([[1], [2]]))
    with pytest.raises(AssertionError, match="lengths differ"):
        assert_series_equal(pa.array([1, 2]), pa.array([1]))
    with pytest.raises(
        AssertionError, match=r"first differing row: 1 \(after sorting both sides\)"
    ):
        assert_series_equal(pa.array([3, 1]), pa.array([1, 2]), check_order=False)
    assert_series_equal(pa.array([3, 1, None]), pa.array([None, 1, 3]), check_order=False)
    with pytest.raises(TypeError, match="assert_frame_equal"):
        assert_series_equal(t(a=[1]), t(a=[1]))
    with pytest.raises(TypeError, match="frame DataFrame or a pyarrow Table"):
        assert_frame_equal([1], [1])


def test_series_names() -> None:
    class Named:
        def __init__(self, name: str, values: list[int]) -> None:
            self.name = name
            self._values = values

        def to_arrow(self) -> pa.Array:
            return pa.array(self._values)

    assert_series_equal(Named("a", [1]), Named("a", [1]))
    with pytest.raises(AssertionError, match="series names differ"):
        assert_series_equal(Named("a", [1]), Named("b", [1]))
    assert_series_equal(Named("a", [1]), Named("b", [1]), check_names=False)
    with pytest.raises(AssertionError, match="series 'a': values differ"):
        assert_series_equal(Named("a", [1]), Named("a", [2]))


def test_accepts_arrow_stream_exporters() -> None:
    pl = pytest.importorskip("polars")
    df = pl.DataFrame({"a": [1, None], "b": ["x", "y"]})
    assert_frame_equal(
        df, t(a=[1, None], b=pa.array(["x", "y"], pa.string_view())), check_dtypes=False
    )
    assert_series_equal(pl.Series("a", [1.0, None]), pa.array([1.0, None]))
    with pytest.raises(AssertionError):
        assert_series_equal(pl.Series("a", [1.0, None]), pa.array([1.5, None]))


def test_not_equal_helpers_fail_on_equal_input() -> None:
    with pytest.raises(AssertionError, match="frames are equal"):
        assert_frame_not_equal(t(a=[1]), t(a=[1]))
    with pytest.raises(AssertionError, match="series are equal"):
        assert_series_not_equal(pa.array([1]), pa.array([1]))


# ============================================================================================
# asserts: properties
# ============================================================================================


def _rechunk(table: pa.Table) -> pa.Table:
    return table.combine_chunks()


@given(table=fst.tables())
def test_table_equals_itself_and_combined(table: pa.Table) -> None:
    assert_frame_equal(table, table, check_exact=True)
    assert_frame_equal(table, _rechunk(table), check_exact=True)


@given(table=fst.tables(min_size=1), data=st.data())
def test_permuted_rows_equal_when_order_ignored(table: pa.Table, data: st.DataObject) -> None:
    perm = data.draw(st.permutations(range(table.num_rows)))
    permuted = pa.table({name: _take_any(table.column(name), perm) for name in table.column_names})
    assert_frame_equal(table, permuted, check_row_order=False, check_exact=True)


def _take_any(col: pa.ChunkedArray, indices: list[int]) -> pa.Array:
    arr = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if pa.types.is_string_view(arr.type):  # pyarrow 26 cannot take string_view
        return arr.cast(pa.large_string()).take(indices).cast(arr.type)
    return arr.take(indices)


@given(arr=fst.arrays(fst.arrow_types(allowed=["float"]), min_size=1, allow_null=False))
def test_rebuilt_floats_equal(arr: pa.Array) -> None:
    rebuilt = pa.array(arr.to_pylist(), arr.type)
    assert_series_equal(arr, rebuilt, check_exact=True)


@given(arr=fst.arrays(pa.int64(), min_size=1, allow_null=False), data=st.data())
def test_changed_value_is_reported(arr: pa.Array, data: st.DataObject) -> None:
    values = arr.to_pylist()
    i = data.draw(st.integers(0, len(values) - 1))
    values[i] = values[i] - 1 if values[i] > -(2**63) else values[i] + 1
    with pytest.raises(AssertionError, match=f"first differing row: {i}\n"):
        assert_series_equal(arr, pa.array(values, pa.int64()))


# ============================================================================================
# profiles
# ============================================================================================


def test_profiles_registered() -> None:
    try:
        for name, examples in [("fast", 50), ("ci", 60), ("expensive", 2000), ("debug", 10)]:
            assert profiles.load_profile(name) == name
            assert settings.default.max_examples == examples
        profiles.load_profile("ci")
        assert settings.default.derandomize is True
        assert settings.default.database is None
        assert settings.default.deadline is None
        assert settings.default.print_blob is True
        assert HealthCheck.too_slow in settings.default.suppress_health_check
        assert HealthCheck.data_too_large in settings.default.suppress_health_check
        with pytest.raises(ValueError, match="unknown hypothesis profile 'nope'"):
            profiles.load_profile("nope")
    finally:
        profiles.load_profile()


def test_profile_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        monkeypatch.setenv(profiles.ENV_VAR, "debug")
        assert profiles.load_profile() == "debug"
        monkeypatch.delenv(profiles.ENV_VAR)
        assert profiles.load_profile() == "fast"
    finally:
        monkeypatch.undo()
        profiles.load_profile()
