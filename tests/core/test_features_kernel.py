"""Tests of frame._core.features: numeric columns to float64, bin codes, and the libm transforms
shared by frame.ml's batch and single-record paths.

Oracles: pyarrow's cast with ``fill_null`` for the conversion, ``bisect.bisect_right`` for bin
codes, and CPython's ``math`` module for the transforms, compared bit for bit (the whole point of
these kernels is that the batch path and a record served alone agree exactly).
"""

from __future__ import annotations

import bisect
import math
import struct

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given
from hypothesis import strategies as st

from frame._core import features
from tests.core._key_cases import FLOAT_TYPES, INT_TYPES, key_arrays

_F = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1.0, -1.0 + 1e-16, -2.0, 1e-300, -1e-300, 1e308, 2.0]),
)


def _bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or _bits(a) == _bits(b)


def ref_log1p(x: float) -> float:
    if math.isnan(x) or x < -1.0:
        return math.nan
    if x == -1.0:
        return -math.inf
    return math.log1p(x)


def ref_signed_log1p(x: float) -> float:
    return math.copysign(math.log1p(abs(x)), x) if not math.isnan(x) else math.nan


def ref_yeo_johnson(x: float, lam: float) -> float:
    def pw(b: float, e: float) -> float:
        try:
            return math.pow(b, e)
        except OverflowError:
            return math.inf

    eps = np.finfo(np.float64).eps
    if math.isnan(x):
        return math.nan
    if x >= 0:
        return math.log1p(x) if abs(lam) < eps else (pw(x + 1.0, lam) - 1.0) / lam
    if abs(lam - 2.0) > eps:
        return -(pw(1.0 - x, 2.0 - lam) - 1.0) / (2.0 - lam)
    return -math.log1p(-x)


@given(st.lists(_F, max_size=40))
def test_log1p_bitwise_against_math(xs) -> None:
    x = np.array(xs, dtype=np.float64)
    plain = features.log1p_array(x)
    signed = features.log1p_array(x, True)
    for i, v in enumerate(xs):
        assert _same(plain[i], ref_log1p(v))
        assert _same(plain[i], features.log1p_value(v))
        assert _same(signed[i], ref_signed_log1p(v))
        assert _same(signed[i], features.signed_log1p_value(v))


def test_log1p_edges() -> None:
    got = features.log1p_array(np.array([-0.0, 0.0, -1.0, -3.0, math.inf, math.nan]))
    assert _bits(got[0]) == _bits(-0.0) and _bits(got[1]) == _bits(0.0)
    assert got[2] == -math.inf and math.isnan(got[3]) and got[4] == math.inf and math.isnan(got[5])
    s = features.log1p_array(np.array([-0.0, -math.e + 1, -math.inf]), True)
    assert _bits(s[0]) == _bits(-0.0) and s[1] == pytest.approx(-1.0) and s[2] == -math.inf


@given(st.lists(_F, max_size=30), st.one_of(st.floats(-5, 7), st.sampled_from([0.0, 2.0, 1.0, 1e-17])))
def test_yeo_johnson_bitwise_against_math(xs, lam) -> None:
    got = features.yeo_johnson_array(np.array(xs, dtype=np.float64), lam)
    for i, v in enumerate(xs):
        assert _same(got[i], ref_yeo_johnson(v, lam))
        assert _same(got[i], features.yeo_johnson_value(v, lam))


def test_yeo_johnson_matches_scikit_learn() -> None:
    preprocessing = pytest.importorskip("sklearn.preprocessing")
    x = np.random.default_rng(3).standard_normal(500) * 4
    pt = preprocessing.PowerTransformer(standardize=False).fit(x[:, None])
    lam = float(pt.lambdas_[0])
    np.testing.assert_allclose(features.yeo_johnson_array(x, lam), pt.transform(x[:, None])[:, 0], rtol=1e-12)


def test_yeo_johnson_overflow_is_inf() -> None:
    assert features.yeo_johnson_array(np.array([1e300]), 5.0)[0] == math.inf
    assert features.yeo_johnson_value(-1e300, -3.0) == -math.inf


@given(
    st.lists(st.floats(allow_nan=False, allow_infinity=True), min_size=1, max_size=40, unique=True),
    st.lists(_F, max_size=40),
)
def test_bin_codes_is_bisect_right(cuts, xs) -> None:
    cuts = sorted({0.0 if c == 0 else c for c in cuts})  # -0.0 == 0.0: one cut
    got = features.bin_codes(np.array(xs, dtype=np.float64), np.array(cuts))
    for i, v in enumerate(xs):
        if math.isnan(v):
            assert math.isnan(got[i])
        else:
            assert got[i] == bisect.bisect_right(cuts, v)


def test_bin_codes_both_paths_on_many_cuts() -> None:
    rng = np.random.default_rng(1)
    for m in (1, 16, 17, 200):
        cuts = np.sort(rng.standard_normal(m))
        x = np.concatenate([rng.standard_normal(1000) * 2, cuts, [np.inf, -np.inf, np.nan]])
        expected = np.searchsorted(cuts, x, side="right").astype(np.float64)
        expected[np.isnan(x)] = np.nan
        np.testing.assert_array_equal(features.bin_codes(x, cuts), expected)


def _expected_float(arr: pa.Array, null_value: float, nan_value: float | None) -> np.ndarray:
    if pa.types.is_dictionary(arr.type):
        arr = arr.dictionary_decode()
    if pa.types.is_float16(arr.type):
        arr = arr.cast(pa.float32())
    vals = pc.cast(arr, pa.float64(), safe=False).to_numpy(zero_copy_only=False).copy()
    if nan_value is not None and pa.types.is_floating(arr.type):
        vals[np.isnan(vals)] = nan_value
    vals[arr.is_null().to_numpy(zero_copy_only=False)] = null_value
    return vals


@given(
    st.sampled_from([*INT_TYPES, *FLOAT_TYPES, pa.bool_(), pa.null(), pa.dictionary(pa.int8(), pa.float64())]),
    st.data(),
    st.sampled_from([math.nan, -1.0, 0.0]),
    st.sampled_from([None, 0.0, 7.5]),
)
def test_to_float64_matches_arrow_cast(t, data, null_value, nan_value) -> None:
    arr = data.draw(key_arrays(t))
    got = features.to_float64(arr, null_value, nan_value)
    expected = _expected_float(arr, null_value, nan_value)
    assert got.dtype == np.float64 and len(got) == len(arr)
    np.testing.assert_array_equal(got, expected)  # NaN == NaN here


def test_to_float64_rounds_large_integers_like_python() -> None:
    vals = [2**53 + 1, 2**63 - 1, -(2**63)]
    assert features.to_float64(pa.array(vals, pa.int64())).tolist() == [float(v) for v in vals]
    u = [2**64 - 1, 2**53 + 3]
    assert features.to_float64(pa.array(u, pa.uint64())).tolist() == [float(v) for v in u]


def test_to_float64_chunked_and_sliced() -> None:
    arr = pa.chunked_array([[1.0, None], [float("nan"), 4.0]])
    assert features.to_float64(arr, -1.0, 0.0).tolist() == [1.0, -1.0, 0.0, 4.0]
    sliced = pa.array([True, None, False, True]).slice(1)
    assert features.to_float64(sliced, 9.0).tolist() == [9.0, 0.0, 1.0]


def test_to_float64_refuses_non_numeric() -> None:
    with pytest.raises(TypeError, match="numeric or boolean array, got string"):
        features.to_float64(pa.array(["1"]))


@given(st.lists(_F, max_size=30), st.floats(allow_nan=False))
def test_fill_nan(xs, value) -> None:
    got = features.fill_nan(np.array(xs, dtype=np.float64), value)
    for i, v in enumerate(xs):
        assert _same(got[i], value if math.isnan(v) else v)
