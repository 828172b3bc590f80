"""Kernel tests for frame._core.groupby: every kernel against a row-by-row pure-Python reference.

Inputs are built the way the Python layer passes them: 1-D NumPy values of the ten numeric dtypes
(often read-only, like views of Arrow buffers), int64 codes, and an Arrow-style LSB-first validity
bitmap with a bit offset of row 0 (0..7 and beyond a byte) whose leading bits and whose value
slots under nulls hold garbage. Codes come from a few groups with many collisions or from many
groups, and ``n_groups`` is often larger than the largest code (groups that receive no rows).

Oracles: pure-Python references computed group by group (exact integer arithmetic, ``math.fsum``
or ``fractions.Fraction`` for floats), ``pyarrow.compute.quantile`` for quantiles, NumPy
(``np.bincount``, ``np.add.at``, ``np.fmin.at``, cov / corrcoef) for co-moments and for the
multi-block examples at ``2 * BLOCK_ROWS + 12345`` rows.

Regression examples (``test_regression_*``) pin bugs these tests found: an int64 sum raising
when only a running sum left the range, and quantile interpolation giving NaN / inf for infinite
or huge endpoints. ``test_known_bug_*`` fail on purpose until the kernel is fixed; the property
tests carve exactly that input class out (comment at the carve-out).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import frame
from frame._core import groupby as gb
from frame.testing.strategies import NAN_BITS_32, NAN_BITS_64
from frame.testing.strategies import arrays as arrow_arrays
from tests.core._layout_cases import forced_threads

INT_DTYPES = [
    np.dtype(t) for t in ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")
]
FLOAT_DTYPES = [np.dtype("float32"), np.dtype("float64")]
DTYPES = INT_DTYPES + FLOAT_DTYPES
DTYPE_IDS = [d.name for d in DTYPES]

INT64_MIN, INT64_MAX, UINT64_MAX = -(2**63), 2**63 - 1, 2**64 - 1
DBL_MAX = float(np.finfo(np.float64).max)

QS = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
INTERPS = {
    "linear": gb.INTERP_LINEAR,
    "lower": gb.INTERP_LOWER,
    "higher": gb.INTERP_HIGHER,
    "nearest": gb.INTERP_NEAREST,
    "midpoint": gb.INTERP_MIDPOINT,
}


# ------------------------------------------------------------------------------------------------
# value strategies


def _f64_bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


def _f32_bits(x: float) -> int:
    return struct.unpack("<I", struct.pack("<f", x))[0]


_SPECIALS = (0.0, -0.0, math.inf, -math.inf, 1.0, -1.0, 2.0, 0.5)
_SPECIAL_BITS_64 = (
    *(_f64_bits(x) for x in _SPECIALS),
    _f64_bits(5e-324),
    _f64_bits(DBL_MAX),
    _f64_bits(-DBL_MAX),
    _f64_bits(2.0**53),
    _f64_bits(2.0**53 + 2),
    *NAN_BITS_64,  # quiet, payload, negative, signalling NaN
)
_F32_MAX = float(np.finfo(np.float32).max)
_SPECIAL_BITS_32 = (
    *(_f32_bits(x) for x in _SPECIALS),
    0x00000001,  # smallest subnormal
    _f32_bits(_F32_MAX),
    _f32_bits(-_F32_MAX),
    _f32_bits(2.0**24),
    *NAN_BITS_32,
)


def _int_elements(dtype: np.dtype) -> st.SearchStrategy[int]:
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    edges = sorted({v for v in (lo, lo + 1, hi - 1, hi, 0, 1, -1) if lo <= v <= hi})
    return st.one_of(
        st.sampled_from(edges), st.integers(max(lo, -3), min(hi, 3)), st.integers(lo, hi)
    )


def _float_bit_elements(dtype: np.dtype, bound: float | None = None) -> st.SearchStrategy[int]:
    """Bit patterns (so NaN payloads survive) of specials, small integers and any float."""
    width = 64 if dtype == np.float64 else 32
    to_bits = _f64_bits if width == 64 else _f32_bits
    specials = _SPECIAL_BITS_64 if width == 64 else _SPECIAL_BITS_32
    if bound is None:
        anything = st.floats(width=width)
    else:  # bounded finite values plus NaN / inf (variance tests)
        specials = tuple(
            b
            for b in specials
            if _bits_value(b, width) in _SPECIALS or math.isnan(_bits_value(b, width))
        )
        anything = st.floats(-bound, bound, width=width)
    return st.one_of(
        st.sampled_from(specials),
        st.integers(-3, 3).map(lambda i: to_bits(float(i))),
        anything.map(to_bits),
    )


def _bits_value(bits: int, width: int) -> float:
    if width == 64:
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    return struct.unpack("<f", struct.pack("<I", bits))[0]


_SMALL = 16


def _draw_many(draw, elements: st.SearchStrategy, n: int) -> list:
    """``n`` values of ``elements``: drawn one by one up to ``_SMALL`` rows (shrinks well);
    beyond, picked by a drawn seed from a drawn pool of up to 10 values (fast, and the repeats
    make ties within groups)."""
    if n <= _SMALL:
        return draw(st.lists(elements, min_size=n, max_size=n))
    pool = draw(st.lists(elements, min_size=1, max_size=10))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return [pool[i] for i in rng.integers(0, len(pool), n)]


def _draw_ints(draw, lo: int, hi: int, n: int) -> list[int]:
    """``n`` integers in ``lo..hi``: one by one up to ``_SMALL``, beyond from a drawn seed."""
    if n <= _SMALL:
        return draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.integers(lo, hi, n, endpoint=True).tolist()


@st.composite
def value_arrays(draw, dtype: np.dtype, n: int, bound: float | None = None) -> np.ndarray:
    dtype = np.dtype(dtype)
    if dtype.kind == "f":
        bits = _draw_many(draw, _float_bit_elements(dtype, bound), n)
        raw = np.array(bits, dtype=np.uint64 if dtype.itemsize == 8 else np.uint32)
        values = raw.view(dtype)
    else:
        elements = _int_elements(dtype)
        if bound is not None:
            info = np.iinfo(dtype)
            elements = st.integers(max(int(info.min), -int(bound)), min(int(info.max), int(bound)))
        values = np.array(_draw_many(draw, elements, n), dtype=dtype)
    if n > _SMALL and draw(st.booleans()):  # about half the rows: distinct random values
        rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
        where = rng.random(n) < 0.5
        if dtype.kind == "f":
            noise = rng.standard_normal(n) * 10.0 ** rng.integers(-3, 4, n)
        else:
            info = np.iinfo(dtype)
            noise = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
        values = np.where(where, noise.astype(dtype), values)
    return values


# ------------------------------------------------------------------------------------------------
# codes and validity


@st.composite
def group_codes(draw, max_rows: int = 60) -> tuple[np.ndarray, int]:
    """``(codes int64[n], n_groups)``: a few groups with many collisions or many sparse groups;
    ``n_groups`` often exceeds the largest code (trailing groups with no rows)."""
    n = draw(st.integers(0, max_rows))
    if n == 0:
        return np.zeros(0, dtype=np.int64), draw(st.integers(0, 4))
    used = draw(st.integers(1, 3)) if draw(st.booleans()) else draw(st.integers(1, n + 5))
    codes = _draw_ints(draw, 0, used - 1, n)
    return np.array(codes, dtype=np.int64), used + draw(st.integers(0, 3))


def pack_validity(mask: np.ndarray, offset: int, seed: int, tail: int = 0) -> np.ndarray:
    """Arrow bitmap for ``mask`` starting at bit ``offset``: ``offset`` arbitrary leading bits
    and ``tail`` arbitrary trailing bits around the rows' bits, packed LSB first."""
    rng = np.random.default_rng(seed)
    bits = np.concatenate(
        [
            rng.integers(0, 2, offset).astype(bool),
            np.asarray(mask, dtype=bool),
            rng.integers(0, 2, tail).astype(bool),
        ]
    )
    return np.packbits(bits, bitorder="little")


_OFFSETS = st.one_of(st.integers(1, 7), st.sampled_from([0, 8, 9, 15, 16, 63, 64, 65, 71]))


@st.composite
def validity(draw, n: int) -> tuple[np.ndarray | None, int, np.ndarray]:
    """``(valid bitmap or None, bit offset, mask)``; mask[i] is True for a non-null row."""
    mode = draw(st.sampled_from(["none", "all_valid", "some", "mostly_null", "all_null"]))
    if mode == "none":
        return None, 0, np.ones(n, dtype=bool)
    if mode == "all_valid":
        mask = [True] * n
    elif mode == "all_null":
        mask = [False] * n
    elif mode == "some":
        mask = [x == 1 for x in _draw_ints(draw, 0, 1, n)]
    else:  # about one row in four non-null
        mask = [x == 0 for x in _draw_ints(draw, 0, 3, n)]
    offset = draw(_OFFSETS)
    valid = pack_validity(
        np.array(mask, dtype=bool), offset, draw(st.integers(0, 2**32 - 1)), draw(st.integers(0, 9))
    )
    return valid, offset, np.array(mask, dtype=bool)


def _readonly(*arrays: np.ndarray | None) -> None:
    for a in arrays:
        if a is not None:
            a.flags.writeable = False


@dataclass
class Case:
    values: np.ndarray
    codes: np.ndarray
    n_groups: int
    valid: np.ndarray | None
    offset: int
    mask: np.ndarray

    @property
    def args(self) -> tuple:
        return self.values, self.codes, self.n_groups

    @property
    def pyvals(self) -> list:
        """Python values, None for a null row (whatever garbage the value slot holds)."""
        return [v if m else None for v, m in zip(self.values.tolist(), self.mask.tolist())]


@st.composite
def cases(draw, dtype: np.dtype, max_rows: int = 60, bound: float | None = None) -> Case:
    codes, n_groups = draw(group_codes(max_rows))
    n = len(codes)
    values = draw(value_arrays(dtype, n, bound))
    valid, offset, mask = draw(validity(n))
    if draw(st.booleans()):  # read-only, like views of immutable Arrow buffers
        _readonly(values, codes, valid)
    return Case(values, codes, n_groups, valid, offset, mask)


# ------------------------------------------------------------------------------------------------
# references


def _isnan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def _same(a, b) -> bool:
    """Equal values; NaN equals NaN, -0.0 equals 0.0."""
    if _isnan(a) or _isnan(b):
        return _isnan(a) and _isnan(b)
    return a == b


def per_group(codes: np.ndarray, n_groups: int, pyvals: list) -> list[list[tuple[int, object]]]:
    """Non-null ``(row, value)`` pairs of each group, in row order."""
    out: list[list[tuple[int, object]]] = [[] for _ in range(n_groups)]
    for i, (c, v) in enumerate(zip(codes.tolist(), pyvals)):
        if v is not None:
            out[c].append((i, v))
    return out


def group_values(codes, n_groups, pyvals) -> list[list]:
    return [[v for _, v in g] for g in per_group(codes, n_groups, pyvals)]


def _running_product_overflows(xs: list[int], lo: int, hi: int) -> bool:
    acc = 1
    for x in xs:
        acc *= x
        if not lo <= acc <= hi:
            return True
    return False


def assert_float_sum(got: float, xs: list[float]) -> None:
    """IEEE sum of ``xs`` (NaN / infinities propagate) within 1e-9 of ``math.fsum`` relative to
    ``sum(|x|)``; an overflowing running sum of finite values may give ±inf."""
    if any(math.isnan(x) for x in xs) or (math.inf in xs and -math.inf in xs):
        assert math.isnan(got), (got, xs)
        return
    infinity = math.inf if math.inf in xs else -math.inf if -math.inf in xs else None
    finite_scale = sum(Fraction(abs(x)) for x in xs if math.isfinite(x))
    if infinity is not None:
        # a running sum of the finite values may overflow to the other infinity first: NaN
        overflow = finite_scale > Fraction(DBL_MAX)
        assert got == infinity or (overflow and math.isnan(got)), (got, xs)
        return
    scale = finite_scale
    if math.isinf(got):
        assert scale > Fraction(DBL_MAX), (got, xs)  # only a running sum past DBL_MAX overflows
        return
    try:
        expected = math.fsum(xs)
    except OverflowError:  # exact partials beyond DBL_MAX: compare with the exact sum instead
        expected = sum(Fraction(x) for x in xs)
    assert abs(Fraction(got) - Fraction(expected)) <= Fraction(1e-9) * scale, (got, expected, xs)


def _interp_endpoints(s: list, q: float) -> tuple[int, int, float, float]:
    m = len(s)
    pos = q * (m - 1)
    lo = min(math.floor(pos), m - 1)
    frac = pos - lo
    hi = lo + 1 if frac > 0 and lo + 1 < m else lo
    return lo, hi, frac, pos


def ref_quantile(s: list, q: float, interp: str) -> tuple[str, object]:
    """On the sorted non-null non-NaN values ``s`` (non-empty): ``("exact", element)`` for
    lower / higher / nearest, ``("float", value)`` for linear / midpoint, where a float value is
    the real-number interpolation (extended to infinities; -inf with +inf is NaN)."""
    lo, hi, frac, pos = _interp_endpoints(s, q)
    if interp == "lower":
        return "exact", s[lo]
    if interp == "higher":
        return "exact", s[hi]
    if interp == "nearest":
        return "exact", s[min(round(pos), len(s) - 1)]  # round(): half to even, like pyarrow
    a, b = float(s[lo]), float(s[hi])
    if lo == hi:
        return "float", a
    t = frac if interp == "linear" else 0.5
    if math.isinf(a) or math.isinf(b):
        if a == -math.inf and b == math.inf:
            return "float", math.nan
        return "float", a if math.isinf(a) else b
    return "float", Fraction(a) + (Fraction(b) - Fraction(a)) * Fraction(t)


def assert_close_interp(got: float, expected, a: float, b: float) -> None:
    if isinstance(expected, float) and not math.isfinite(expected):
        assert _same(got, expected), (got, expected)
        return
    # relative to the endpoints' magnitude, plus a few subnormal steps (results that underflow)
    tol = Fraction(1e-12) * Fraction(max(abs(a), abs(b))) + Fraction(4 * 5e-324)
    assert math.isfinite(got), (got, expected)
    assert abs(Fraction(got) - Fraction(expected)) <= tol, (got, float(expected), a, b)


def _top_key(x):
    return (1, 0.0) if _isnan(x) else (0, x)


# ------------------------------------------------------------------------------------------------
# checkers (shared by the NumPy-built cases and the pyarrow-built ones)


def check_count(codes, n_groups, valid, offset, pyvals) -> None:
    rows = np.bincount(codes, minlength=n_groups) if len(codes) else np.zeros(n_groups, int)
    got = gb.group_count(codes, n_groups)
    assert got.dtype == np.int64
    assert got.tolist() == rows.tolist()
    got = gb.group_count(codes, n_groups, valid, offset)
    assert got.dtype == np.int64
    assert got.tolist() == [len(g) for g in group_values(codes, n_groups, pyvals)]


def check_sum(values, codes, n_groups, valid, offset, pyvals) -> None:
    groups = group_values(codes, n_groups, pyvals)
    kind = values.dtype.kind
    if kind == "f":
        got = gb.group_sum(values, codes, n_groups, valid, offset)
        assert got.dtype == np.float64 and got.shape == (n_groups,)
        for g, xs in zip(got.tolist(), groups):
            assert_float_sum(g, xs)
        return
    lo, hi = (0, UINT64_MAX) if kind == "u" else (INT64_MIN, INT64_MAX)
    totals = [sum(xs) for xs in groups]
    if any(not lo <= t <= hi for t in totals):
        with pytest.raises(OverflowError):
            gb.group_sum(values, codes, n_groups, valid, offset)
        return
    # the final sum decides, not a running sum that leaves the range and comes back
    got = gb.group_sum(values, codes, n_groups, valid, offset)
    assert got.dtype == (np.uint64 if kind == "u" else np.int64)
    assert got.tolist() == totals


def check_sum_count(values, codes, n_groups, valid, offset, pyvals) -> None:
    groups = group_values(codes, n_groups, pyvals)
    sums, counts = gb.group_sum_count(values, codes, n_groups, valid, offset)
    assert sums.dtype == np.float64 and counts.dtype == np.int64
    assert counts.tolist() == [len(xs) for xs in groups]
    for got, xs in zip(sums.tolist(), groups):
        if values.dtype.kind == "f":
            assert_float_sum(got, xs)
        else:  # each value rounded to double, then summed in double
            scale = sum(abs(x) for x in xs)
            assert abs(Fraction(got) - sum(xs)) <= Fraction(1e-9) * scale, (got, xs)


def check_min_max(values, codes, n_groups, valid, offset, pyvals) -> None:
    groups = group_values(codes, n_groups, pyvals)
    for want_max in (False, True):
        got, has = gb.group_min_max(values, codes, n_groups, want_max, valid, offset)
        assert got.dtype == values.dtype and has.dtype == np.bool_
        assert has.tolist() == [bool(xs) for xs in groups]
        for g, h, xs in zip(got.tolist(), has.tolist(), groups):
            if not h:
                continue
            numbers = [x for x in xs if not _isnan(x)]
            expected = (max if want_max else min)(numbers) if numbers else math.nan
            assert _same(g, expected), (want_max, g, expected, xs)


def check_arg_extreme(values, codes, n_groups, valid, offset, pyvals) -> None:
    pairs = per_group(codes, n_groups, pyvals)
    for want_max in (False, True):
        got = gb.group_arg_extreme(values, codes, n_groups, want_max, valid, offset)
        assert got.dtype == np.int64
        expected = []
        for g in pairs:
            numbers = [v for _, v in g if not _isnan(v)]
            if not g:
                expected.append(-1)
            elif not numbers:
                expected.append(g[0][0])  # only NaN: the first NaN row
            else:
                target = (max if want_max else min)(numbers)
                expected.append(next(i for i, v in g if not _isnan(v) and v == target))
        assert got.tolist() == expected, want_max


def check_quantile(
    values, codes, n_groups, valid, offset, pyvals, qs=QS, interps=INTERPS, pyarrow_groups: int = 4
) -> None:
    groups = group_values(codes, n_groups, pyvals)
    sorted_groups = [sorted(x for x in xs if not _isnan(x)) for xs in groups]
    states = [0 if not xs else (1 if s else 2) for xs, s in zip(groups, sorted_groups)]
    # Second oracle: pyarrow.compute.quantile over the same group values. pyarrow DROPS NaN
    # (quantile([1, nan, 3], 0.5) == 2) like the kernel, but answers null for an all-NaN group
    # where the kernel reports state 2 (the Python layer turns that into NaN). Checked on the
    # first few groups with numbers only, to keep the examples fast.
    oracle_groups = [g for g, s in enumerate(states) if s == 1][:pyarrow_groups]
    pa_type = pa.from_numpy_dtype(values.dtype)
    for name in interps:
        pa_results = {
            g: pc.quantile(pa.array(groups[g], pa_type), q=list(qs), interpolation=name).to_pylist()
            for g in oracle_groups
        }
        for qi, q in enumerate(qs):
            exact, as_float, state = gb.group_quantile(
                values, codes, n_groups, q, INTERPS[name], valid, offset
            )
            assert exact.dtype == values.dtype and as_float.dtype == np.float64
            assert state.dtype == np.uint8
            assert state.tolist() == states, (name, q)
            for g, s in enumerate(sorted_groups):
                if states[g] != 1:
                    continue
                kind, expected = ref_quantile(s, q, name)
                if kind == "exact":
                    assert _same(exact[g].item(), expected), (name, q, s)
                    assert _same(as_float[g].item(), float(expected)), (name, q, s)
                    if g in pa_results:
                        assert _same(exact[g].item(), pa_results[g][qi]), (name, q, s)
                    continue
                lo, hi, _, _ = _interp_endpoints(s, q)
                a, b = float(s[lo]), float(s[hi])
                assert_close_interp(as_float[g].item(), expected, a, b)
                if g in pa_results:
                    assert_close_interp(as_float[g].item(), pa_results[g][qi], a, b)


def check_top_k(values, codes, n_groups, valid, offset, pyvals, ks=None) -> None:
    groups = group_values(codes, n_groups, pyvals)
    biggest = max((len(xs) for xs in groups), default=0)
    for k in (0, 1, 2, biggest + 1) if ks is None else ks:
        for largest in (False, True):
            out, offsets = gb.group_top_k(values, codes, n_groups, k, largest, valid, offset)
            assert out.dtype == values.dtype and offsets.dtype == np.int64
            expected = [sorted(xs, key=_top_key, reverse=largest)[:k] for xs in groups]
            assert offsets.tolist() == np.cumsum([0] + [len(e) for e in expected]).tolist()
            flat = out.tolist()
            for g, e in enumerate(expected):
                got = flat[offsets[g] : offsets[g + 1]]
                assert len(got) == len(e) and all(map(_same, got, e)), (k, largest, got, e)


def check_product(values, codes, n_groups, valid, offset, pyvals) -> None:
    groups = group_values(codes, n_groups, pyvals)
    kind = values.dtype.kind
    if kind == "f":
        got = gb.group_product(values, codes, n_groups, valid, offset)
        assert got.dtype == np.float64
        for g, xs in zip(got.tolist(), groups):
            expected = 1.0
            for x in xs:  # row order, in double, like the kernel
                expected *= x
            if math.isnan(expected) or math.isinf(expected) or expected == 0:
                assert _same(g, expected), (g, expected, xs)
            else:
                assert math.isclose(g, expected, rel_tol=1e-12), (g, expected, xs)
        return
    lo, hi = (0, UINT64_MAX) if kind == "u" else (INT64_MIN, INT64_MAX)
    totals = [math.prod(xs) for xs in groups]
    if any(not lo <= t <= hi for t in totals):
        with pytest.raises(OverflowError):
            gb.group_product(values, codes, n_groups, valid, offset)
        return
    try:
        got = gb.group_product(values, codes, n_groups, valid, offset)
    except OverflowError:
        # KNOWN BUG carve-out (test_known_bug_int_product_raises_although_the_product_fits):
        # a running product that overflows before a 0 arrives raises although the product fits.
        if any(_running_product_overflows(xs, lo, hi) for xs in groups):
            return
        raise
    assert got.dtype == (np.uint64 if kind == "u" else np.int64)
    assert got.tolist() == totals


def _m2_tol(n: int, m2: float, scale: float) -> float:
    """Error bound of a two-pass m2 over ``n`` values of magnitude <= ``scale``: relative
    rounding, rounding of each value to double, and the (squared) error of the mean."""
    return 1e-9 * m2 + 1e-12 * scale * math.sqrt(n * m2) + 1e-20 * n * scale * scale + 1e-300


def check_m2(values, codes, n_groups, valid, offset, pyvals) -> None:
    groups = group_values(codes, n_groups, pyvals)
    counts, means, m2 = gb.group_m2(values, codes, n_groups, valid, offset)
    assert counts.dtype == np.int64 and means.dtype == np.float64 and m2.dtype == np.float64
    assert counts.tolist() == [len(xs) for xs in groups]
    for xs, mean, sq in zip(groups, means.tolist(), m2.tolist()):
        if not xs:
            assert math.isnan(mean) and sq == 0.0
            continue
        if any(not math.isfinite(x) for x in xs):
            assert math.isnan(sq), (sq, xs)  # NaN, or inf - inf in the deviations
            if any(math.isnan(x) for x in xs) or (math.inf in xs and -math.inf in xs):
                assert math.isnan(mean), (mean, xs)
            else:
                assert mean == (math.inf if math.inf in xs else -math.inf), (mean, xs)
            continue
        exact_mean = sum(Fraction(x) for x in xs) / len(xs)
        exact_m2 = sum((Fraction(x) - exact_mean) ** 2 for x in xs)
        scale = max(abs(float(x)) for x in xs)
        assert abs(Fraction(mean) - exact_mean) <= Fraction(1e-12 * scale + 1e-300), (mean, xs)
        tol = _m2_tol(len(xs), float(exact_m2), scale)
        assert abs(Fraction(sq) - exact_m2) <= Fraction(tol), (sq, float(exact_m2), xs)


# ------------------------------------------------------------------------------------------------
# property tests: value kernels, every dtype


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_count_matches_reference(data):
    case = data.draw(cases(np.dtype("int8")))
    check_count(case.codes, case.n_groups, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@settings(deadline=None)
@given(data=st.data())
def test_sum_matches_reference(dtype, data):
    case = data.draw(cases(dtype))
    check_sum(*case.args, case.valid, case.offset, case.pyvals)
    check_sum_count(*case.args, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@pytest.mark.parametrize("dtype", [np.dtype("int64"), np.dtype("uint64")], ids=["int64", "uint64"])
@settings(deadline=None)
@given(data=st.data())
def test_sum_overflow_near_the_limits(dtype, data):
    """Few rows per group from the top (and bottom) of the range: sums right at and beyond the
    result type's limits, in one group among others."""
    info = np.iinfo(dtype)
    lo, hi = int(info.min), int(info.max)
    near = st.one_of(
        *(
            st.integers(max(lo, a), min(hi, b))
            for a, b in (
                (hi - 3, hi),
                (hi // 2 - 2, hi // 2 + 2),
                (-3, 3),
                (lo, lo + 3),
                (lo // 2 - 2, lo // 2 + 2),
            )
        )
    )
    n = data.draw(st.integers(1, 8))
    values = np.array(data.draw(st.lists(near, min_size=n, max_size=n)), dtype=dtype)
    codes = np.array(data.draw(st.lists(st.integers(0, 2), min_size=n, max_size=n)), np.int64)
    valid, offset, mask = data.draw(validity(n))
    case = Case(values, codes, 4, valid, offset, mask)
    check_sum(*case.args, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@settings(deadline=None)
@given(data=st.data())
def test_min_max_and_arg_extreme_match_reference(dtype, data):
    case = data.draw(cases(dtype))
    check_min_max(*case.args, case.valid, case.offset, case.pyvals)
    check_arg_extreme(*case.args, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@settings(deadline=None)
@given(data=st.data())
def test_quantile_matches_reference_and_pyarrow(dtype, data):
    case = data.draw(cases(dtype, max_rows=40))
    threads = data.draw(st.sampled_from([None, 2]))  # 2: groups selected on 2 threads
    if threads:
        with forced_threads(threads):
            check_quantile(*case.args, case.valid, case.offset, case.pyvals)
    else:
        check_quantile(*case.args, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@pytest.mark.parametrize("dtype", [np.dtype("int32"), np.dtype("float64")], ids=["int32", "f64"])
@settings(deadline=None)
@given(data=st.data())
def test_quantile_large_groups_use_quickselect(dtype, data):
    """Groups of 17..200 values: selection beyond the insertion-sort cutoff of 16, many ties."""
    n = data.draw(st.integers(17, 200))
    pool = data.draw(st.lists(value_arrays(dtype, 1).map(lambda a: a[0]), min_size=1, max_size=6))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    values = np.array(pool, dtype=dtype)[rng.integers(0, len(pool), n)]
    if dtype.kind == "f":
        values = np.where(rng.random(n) < 0.5, rng.standard_normal(n), values)
    codes = rng.integers(0, data.draw(st.integers(1, 3)), n).astype(np.int64)
    valid, offset, mask = data.draw(validity(n))
    case = Case(values, codes, int(codes.max()) + 2, valid, offset, mask)
    check_quantile(*case.args, case.valid, case.offset, case.pyvals, pyarrow_groups=1)
    check_top_k(*case.args, case.valid, case.offset, case.pyvals, ks=(1, 5, 16, 17, 40, n))


@pytest.mark.hypothesis
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@settings(deadline=None)
@given(data=st.data())
def test_top_k_matches_reference(dtype, data):
    case = data.draw(cases(dtype))
    threads = data.draw(st.sampled_from([None, 2]))
    if threads:
        with forced_threads(threads):
            check_top_k(*case.args, case.valid, case.offset, case.pyvals)
    else:
        check_top_k(*case.args, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_product_matches_reference(data):
    dtype = data.draw(st.sampled_from(DTYPES))
    case = data.draw(cases(dtype, max_rows=30))
    check_product(*case.args, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_m2_matches_reference(data):
    """float64 bounded by 1e100 (plus NaN / ±inf) so squares stay finite; float32 (squared in
    double) and integers over their full range."""
    dtype = data.draw(st.sampled_from(DTYPES))
    case = data.draw(cases(dtype, bound=1e100 if dtype == np.float64 else None))
    check_m2(*case.args, case.valid, case.offset, case.pyvals)


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_values_under_nulls_do_not_matter(data):
    """Replacing the value slots under nulls with other garbage leaves every result bit-for-bit
    the same (and raises the same errors)."""
    dtype = data.draw(st.sampled_from(DTYPES))
    case = data.draw(cases(dtype, max_rows=30))
    other = np.array(case.values, copy=True)
    garbage = data.draw(value_arrays(dtype, len(other)))
    other[~case.mask] = garbage[~case.mask]
    k = data.draw(st.integers(0, 3))
    kernels = [
        lambda v: gb.group_sum(v, case.codes, case.n_groups, case.valid, case.offset),
        lambda v: gb.group_sum_count(v, case.codes, case.n_groups, case.valid, case.offset),
        lambda v: gb.group_min_max(v, case.codes, case.n_groups, True, case.valid, case.offset),
        lambda v: gb.group_min_max(v, case.codes, case.n_groups, False, case.valid, case.offset),
        lambda v: gb.group_arg_extreme(v, case.codes, case.n_groups, True, case.valid, case.offset),
        lambda v: gb.group_m2(v, case.codes, case.n_groups, case.valid, case.offset),
        lambda v: gb.group_product(v, case.codes, case.n_groups, case.valid, case.offset),
        lambda v: gb.group_quantile(v, case.codes, case.n_groups, 0.3, 0, case.valid, case.offset),
        lambda v: gb.group_quantile(v, case.codes, case.n_groups, 0.5, 3, case.valid, case.offset),
        lambda v: gb.group_top_k(v, case.codes, case.n_groups, k, True, case.valid, case.offset),
    ]
    for fn in kernels:
        a, b = _outcome(fn, case.values), _outcome(fn, other)
        assert a == b


def _outcome(fn, values):
    try:
        out = fn(values)
    except OverflowError:
        return "OverflowError"
    parts = out if isinstance(out, tuple) else (out,)
    return [(p.dtype.str, p.tobytes()) for p in parts]


# ------------------------------------------------------------------------------------------------
# property tests: pyarrow arrays as the Python layer passes them


_ARROW_TYPES = [pa.from_numpy_dtype(d) for d in DTYPES]


def _numeric_view(arr: pa.Array) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Values / validity / offset exactly like ``frame._aggregate._numeric`` (zero copy)."""
    dtype = np.dtype(arr.type.to_pandas_dtype())
    bufs = arr.buffers()
    if len(arr) == 0 or bufs[1] is None:
        values = np.empty(0, dtype=dtype)
    else:
        values = np.frombuffer(bufs[1], dtype=dtype, count=arr.offset + len(arr))[arr.offset :]
    valid = np.frombuffer(bufs[0], dtype=np.uint8) if bufs[0] is not None else None
    return values, valid, arr.offset


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_sliced_arrow_arrays(data):
    """frame.testing arrays: slices at offsets 1..9, garbage under nulls, unknown null counts."""
    arr = data.draw(arrow_arrays(st.sampled_from(_ARROW_TYPES), max_size=40))
    values, valid, offset = _numeric_view(arr)
    _readonly(values, valid)  # pyarrow hands out read-only buffers for immutable data
    n = len(arr)
    used = data.draw(st.integers(1, max(1, n)))
    codes = np.array(
        data.draw(st.lists(st.integers(0, used - 1), min_size=n, max_size=n)), np.int64
    )
    n_groups = used + data.draw(st.integers(0, 2))
    pyvals = arr.to_pylist()
    args = (values, codes, n_groups, valid, offset, pyvals)
    check_count(codes, n_groups, valid, offset, pyvals)
    check_sum(*args)
    check_min_max(*args)
    check_arg_extreme(*args)
    check_quantile(*args, qs=(0.25, 0.5), interps=("linear", "nearest"), pyarrow_groups=2)
    check_top_k(*args, ks=(2,))


# ------------------------------------------------------------------------------------------------
# property tests: code-only kernels and co-moments


@pytest.mark.hypothesis
@settings(deadline=None)
@given(data=st.data())
def test_positions_match_reference(data):
    codes, n_groups = data.draw(group_codes(max_rows=120))
    if data.draw(st.booleans()):
        _readonly(codes)
    rows = codes.tolist()

    first, last = gb.group_first_last(codes, n_groups)
    assert first.dtype == np.int64 and last.dtype == np.int64
    assert first.tolist() == [rows.index(g) if g in rows else -1 for g in range(n_groups)]
    assert last.tolist() == [
        len(rows) - 1 - rows[::-1].index(g) if g in rows else -1 for g in range(n_groups)
    ]

    cum = gb.group_cumcount(codes, n_groups)
    assert cum.dtype == np.int64
    assert cum.tolist() == [rows[:i].count(c) for i, c in enumerate(rows)]

    order, offsets = gb.group_order(codes, n_groups)
    assert order.dtype == np.int64 and offsets.dtype == np.int64
    assert order.tolist() == np.argsort(codes, kind="stable").tolist()
    counts = np.bincount(codes, minlength=n_groups) if len(codes) else np.zeros(n_groups, int)
    assert offsets.tolist() == [0, *np.cumsum(counts).tolist()]


@st.composite
def comoment_cases(draw, max_rows: int = 60):
    codes, n_groups = draw(group_codes(max_rows))
    n = len(codes)
    moderate = st.one_of(
        st.integers(-100, 100).map(float),
        st.floats(-1e3, 1e3),
        st.sampled_from([math.nan, math.inf, -math.inf, -0.0])
        if draw(st.booleans())
        else st.just(0.0),
    )
    x = np.array(draw(st.lists(moderate, min_size=n, max_size=n)), dtype=np.float64)
    y = np.array(draw(st.lists(moderate, min_size=n, max_size=n)), dtype=np.float64)
    both = None
    if draw(st.booleans()):
        both = np.array(draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n)), np.uint8)
        # garbage under rows that are not both present
        junk = st.sampled_from([math.nan, math.inf, -math.inf, 1e308, -1e308])
        x[both == 0] = draw(st.lists(junk, min_size=n, max_size=n))[: int((both == 0).sum())]
    if draw(st.booleans()):
        _readonly(x, y, codes, both)
    return x, y, codes, n_groups, both


@pytest.mark.hypothesis
@settings(deadline=None)
@given(case=comoment_cases())
def test_comoments_match_numpy(case):
    x, y, codes, n_groups, both = case
    counts, cxx, cyy, cxy = gb.group_comoments(x, y, codes, n_groups, both)
    for arr in (cxx, cyy, cxy):
        assert arr.dtype == np.float64 and arr.shape == (n_groups,)
    keep = np.ones(len(x), dtype=bool) if both is None else both.astype(bool)
    assert counts.dtype == np.int64
    assert counts.tolist() == np.bincount(codes[keep], minlength=n_groups).tolist()
    for g in range(n_groups):
        sel = keep & (codes == g)
        xg, yg = x[sel], y[sel]
        n = len(xg)
        if n == 0:
            assert (cxx[g], cyy[g], cxy[g]) == (0.0, 0.0, 0.0)
            continue
        fx, fy = bool(np.isfinite(xg).all()), bool(np.isfinite(yg).all())
        if not fx:
            assert math.isnan(cxx[g]) and math.isnan(cxy[g])
        if not fy:
            assert math.isnan(cyy[g]) and math.isnan(cxy[g])
        if not (fx and fy):
            continue
        sx, sy = float(np.abs(xg).max()), float(np.abs(yg).max())
        expected = np.cov(np.vstack([xg, yg]), ddof=0) * n if n > 1 else np.zeros((2, 2))
        assert abs(cxx[g] - expected[0, 0]) <= _m2_tol(n, expected[0, 0], sx) + 1e-12 * sx * sx
        assert abs(cyy[g] - expected[1, 1]) <= _m2_tol(n, expected[1, 1], sy) + 1e-12 * sy * sy
        cross = 1e-9 * math.sqrt(expected[0, 0] * expected[1, 1]) + 1e-12 * n * sx * sy + 1e-300
        assert abs(cxy[g] - expected[0, 1]) <= cross
        well_conditioned = (
            min(sx, sy) > 1e-100  # squares far from the subnormal range
            and expected[0, 0] > 1e-6 * n * sx * sx
            and expected[1, 1] > 1e-6 * n * sy * sy
        )
        if n > 1 and well_conditioned:
            r = cxy[g] / math.sqrt(cxx[g] * cyy[g])
            assert math.isclose(r, np.corrcoef(xg, yg)[0, 1], rel_tol=1e-6, abs_tol=1e-6)


# ------------------------------------------------------------------------------------------------
# hand-written cases


@pytest.mark.parametrize("n_groups", [0, 3])
@pytest.mark.parametrize("dtype", DTYPES, ids=DTYPE_IDS)
@pytest.mark.parametrize("with_valid", [False, True])
def test_empty_input(dtype, n_groups, with_valid):
    values = np.empty(0, dtype=dtype)
    codes = np.empty(0, dtype=np.int64)
    valid = np.zeros(0 if n_groups else 1, dtype=np.uint8) if with_valid else None
    off = 3 if with_valid else 0
    ng = n_groups
    assert gb.group_count(codes, ng, valid, off).tolist() == [0] * ng
    sums = gb.group_sum(values, codes, ng, valid, off)
    assert sums.tolist() == [0] * ng
    assert sums.dtype == {"f": np.float64, "u": np.uint64, "i": np.int64}[dtype.kind]
    s, c = gb.group_sum_count(values, codes, ng, valid, off)
    assert s.tolist() == [0.0] * ng and c.tolist() == [0] * ng
    for want_max in (False, True):
        out, has = gb.group_min_max(values, codes, ng, want_max, valid, off)
        assert out.dtype == dtype and has.tolist() == [False] * ng
        assert gb.group_arg_extreme(values, codes, ng, want_max, valid, off).tolist() == [-1] * ng
    counts, means, m2 = gb.group_m2(values, codes, ng, valid, off)
    assert counts.tolist() == [0] * ng and np.isnan(means).all() and m2.tolist() == [0.0] * ng
    assert gb.group_product(values, codes, ng, valid, off).tolist() == [1] * ng
    for interp in INTERPS.values():
        exact, as_float, state = gb.group_quantile(values, codes, ng, 0.5, interp, valid, off)
        assert exact.dtype == dtype and len(as_float) == ng and state.tolist() == [0] * ng
    for k in (0, 3):
        out, offsets = gb.group_top_k(values, codes, ng, k, True, valid, off)
        assert out.dtype == dtype and len(out) == 0 and offsets.tolist() == [0] * (ng + 1)
    first, last = gb.group_first_last(codes, ng)
    assert first.tolist() == [-1] * ng and last.tolist() == [-1] * ng
    assert gb.group_cumcount(codes, ng).tolist() == []
    order, offsets = gb.group_order(codes, ng)
    assert order.tolist() == [] and offsets.tolist() == [0] * (ng + 1)
    x = np.empty(0, dtype=np.float64)
    cnt, cxx, cyy, cxy = gb.group_comoments(x, x, codes, ng, None)
    assert cnt.tolist() == [0] * ng and cxx.tolist() == cyy.tolist() == cxy.tolist() == [0.0] * ng


def test_every_kernel_accepts_read_only_inputs():
    values = np.array([3.0, -1.0, np.nan, 2.0, 7.0], dtype=np.float64)
    codes = np.array([0, 1, 0, 0, 2], dtype=np.int64)
    valid = np.packbits([1, 0, 0, 1, 1, 1, 1, 0], bitorder="little")  # offset 2: rows 1..4 valid
    both = np.array([1, 1, 0, 1, 1], dtype=np.uint8)
    _readonly(values, codes, valid, both)
    assert gb.group_count(codes, 3, valid, 2).tolist() == [2, 1, 1]
    assert gb.group_sum(values, codes, 3, valid, 2)[1] == -1.0
    assert gb.group_sum_count(values, codes, 3, valid, 2)[1].tolist() == [2, 1, 1]
    assert gb.group_min_max(values, codes, 3, True, valid, 2)[0].tolist()[1:] == [-1.0, 7.0]
    assert gb.group_arg_extreme(values, codes, 3, False, valid, 2).tolist() == [3, 1, 4]
    assert gb.group_first_last(codes, 3)[0].tolist() == [0, 1, 4]
    assert gb.group_cumcount(codes, 3).tolist() == [0, 0, 1, 2, 0]
    assert gb.group_order(codes, 3)[0].tolist() == [0, 2, 3, 1, 4]
    assert gb.group_m2(values, codes, 3, valid, 2)[0].tolist() == [2, 1, 1]
    assert gb.group_comoments(values, values, codes, 3, both)[0].tolist() == [2, 1, 1]
    assert math.isnan(gb.group_product(values, codes, 3, valid, 2)[0])
    assert gb.group_quantile(values, codes, 3, 0.5, gb.INTERP_LOWER, valid, 2)[0][2] == 7.0
    out, offsets = gb.group_top_k(values, codes, 3, 1, True, valid, 2)
    assert offsets.tolist() == [0, 1, 2, 3] and math.isnan(out[0])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nan_payloads_and_signed_zero(dtype):
    width = np.dtype(dtype).itemsize * 8
    nan_bits = NAN_BITS_64 if width == 64 else NAN_BITS_32
    raw = np.array(nan_bits, dtype=np.uint64 if width == 64 else np.uint32)
    nans = raw.view(dtype)
    values = np.concatenate([nans, np.array([-0.0, 0.0, 0.0, -0.0], dtype=dtype), nans[:1]])
    codes = np.array([0, 0, 0, 0, 1, 1, 2, 2, 1], dtype=np.int64)  # group 0: only NaN payloads
    out, has = gb.group_min_max(values, codes, 3, True, None, 0)
    assert has.tolist() == [True, True, True] and math.isnan(out[0])
    assert out[1] == 0.0 and out[2] == 0.0
    assert gb.group_arg_extreme(values, codes, 3, True, None, 0).tolist() == [0, 4, 6]
    assert gb.group_arg_extreme(values, codes, 3, False, None, 0).tolist() == [0, 4, 6]
    assert gb.group_quantile(values, codes, 3, 0.5, gb.INTERP_LINEAR)[2].tolist() == [2, 1, 1]
    top, offsets = gb.group_top_k(values, codes, 4, 2, True)
    assert offsets.tolist() == [0, 2, 4, 6, 6]
    assert np.isnan(top[:2]).all() and math.isnan(top[2]) and top[3] == 0.0
    assert math.isnan(gb.group_sum(values, codes, 3)[0])


def test_arg_extreme_prefers_first_row_of_ties():
    values = np.array([5, 1, 5, 1, 9, 9], dtype=np.int16)
    codes = np.array([0, 0, 0, 0, 1, 1], dtype=np.int64)
    assert gb.group_arg_extreme(values, codes, 3, True).tolist() == [0, 4, -1]
    assert gb.group_arg_extreme(values, codes, 3, False).tolist() == [1, 4, -1]


def test_quantile_nearest_rounds_half_to_even_like_pyarrow():
    values = np.array([10, 20, 30, 40, 50, 60], dtype=np.int64)
    codes = np.zeros(6, dtype=np.int64)
    # q*(m-1) = 0.5, 1.5, 2.5, 3.5, 4.5 -> positions 0, 2, 2, 4, 4
    for q, pos in ((0.1, 0), (0.3, 2), (0.5, 2), (0.7, 4), (0.9, 4)):
        exact, _, _ = gb.group_quantile(values, codes, 1, q, gb.INTERP_NEAREST)
        assert exact[0] == values[pos], q
        arrow = pc.quantile(pa.array(values), q=q, interpolation="nearest").to_pylist()[0]
        assert exact[0] == arrow, q


def test_quantile_of_only_nan_group_reports_state_2():
    values = np.array([np.nan, np.nan, 1.0], dtype=np.float64)
    codes = np.array([0, 0, 1], dtype=np.int64)
    _, _, state = gb.group_quantile(values, codes, 3, 0.5, gb.INTERP_LINEAR)
    assert state.tolist() == [2, 1, 0]
    # pyarrow answers null for all-NaN input (the kernel's state 2 becomes NaN in frame)
    assert pc.quantile(pa.array([np.nan, np.nan]), q=0.5).to_pylist() == [None]


def test_input_validation():
    v = np.arange(3, dtype=np.int64)
    with pytest.raises(ValueError, match="codes"):
        gb.group_sum(v, np.zeros(2, dtype=np.int64), 1)
    with pytest.raises(ValueError, match="n_groups"):
        gb.group_sum(v, np.zeros(3, dtype=np.int64), -1)
    with pytest.raises(ValueError, match="quantile"):
        gb.group_quantile(v, np.zeros(3, dtype=np.int64), 1, 1.5, gb.INTERP_LINEAR)
    with pytest.raises(ValueError, match="quantile"):
        gb.group_quantile(v, np.zeros(3, dtype=np.int64), 1, math.nan, gb.INTERP_LINEAR)
    with pytest.raises(ValueError, match="k must be"):
        gb.group_top_k(v, np.zeros(3, dtype=np.int64), 1, -1, True)
    with pytest.raises(ValueError, match="lengths"):
        gb.group_comoments(v.astype(float), v[:2].astype(float), np.zeros(3, dtype=np.int64), 1)


# --- regressions (see the module docstring) ---------------------------------


def test_regression_int64_sum_raises_only_when_the_sum_does_not_fit():
    """max + 1 - 1 == max fits: a running sum that leaves the range must not raise (it did, and
    whether it raised depended on the row order)."""
    codes = np.zeros(3, dtype=np.int64)
    for values in ([INT64_MAX, 1, -1], [INT64_MIN, -1, 1], [1, INT64_MAX, -1]):
        arr = np.array(values, dtype=np.int64)
        assert gb.group_sum(arr, codes, 1).tolist() == [sum(values)]
    with pytest.raises(OverflowError):
        gb.group_sum(np.array([INT64_MAX, -1, 2], dtype=np.int64), codes, 1)


def test_regression_quantile_interpolation_with_infinite_endpoint():
    """``lo + (hi - lo) * frac`` gave inf - inf = NaN when both endpoints are the same infinity
    or the lower one is -inf; pyarrow (``frac*hi + (1-frac)*lo``) and the real-number limit
    give the infinity."""
    codes = np.zeros(3, dtype=np.int64)
    for vals, q, interp, expected in [
        ([1.0, math.inf, math.inf], 0.75, "linear", math.inf),
        ([-math.inf, -math.inf, 1.0], 0.25, "linear", -math.inf),
        ([-math.inf, 1.0, 2.0], 0.25, "midpoint", -math.inf),
    ]:
        values = np.array(vals, dtype=np.float64)
        arrow = pc.quantile(pa.array(values), q=q, interpolation=interp).to_pylist()[0]
        assert arrow == expected
        _, as_float, _ = gb.group_quantile(values, codes, 1, q, INTERPS[interp])
        assert as_float[0] == expected, (vals, q, interp, as_float[0])


def test_known_bug_int_product_raises_although_the_product_fits():
    """The product of [2**62, 4, 0] is 0, but the kernel ORs one overflow flag over every
    running product, so it raises -- and [0, 2**62, 4], the same group in another row order,
    does not (group-by results must not depend on row order; the int64 sum was fixed the same
    way). A fix: one overflow flag per group, cleared when a 0 arrives (0 stays 0)."""
    codes = np.zeros(3, dtype=np.int64)
    assert gb.group_product(np.array([0, 2**62, 4], dtype=np.int64), codes, 1).tolist() == [0]
    assert gb.group_product(np.array([2**62, 4, 0], dtype=np.int64), codes, 1).tolist() == [0]
    assert gb.group_product(np.array([2**32, 2**32, 0], np.uint64), codes, 1).tolist() == [0]
    with pytest.raises(OverflowError):  # a zero in another group does not hide the overflow
        gb.group_product(np.array([2**62, 4, 0], dtype=np.int64), np.array([0, 0, 1]), 2)


def test_regression_quantile_interpolation_with_huge_finite_values():
    """``hi - lo`` overflowed for -DBL_MAX and DBL_MAX: the median came out +inf instead of 0."""
    values = np.array([-DBL_MAX, DBL_MAX], dtype=np.float64)
    codes = np.zeros(2, dtype=np.int64)
    for interp in ("linear", "midpoint"):
        assert pc.quantile(pa.array(values), q=0.5, interpolation=interp).to_pylist() == [0.0]
        _, as_float, _ = gb.group_quantile(values, codes, 1, 0.5, INTERPS[interp])
        assert as_float[0] == 0.0, (interp, as_float[0])


# ------------------------------------------------------------------------------------------------
# parallel block path: >= 2 blocks of BLOCK_ROWS rows and n_groups * 16 <= BLOCK_ROWS

N_BIG = 2 * gb.BLOCK_ROWS + 12345  # three blocks, the last one partial
NG_BIG = 100  # group 98: only NaN rows (float) spread over all blocks; group 99: no rows


@dataclass
class Big:
    codes: np.ndarray
    f64: np.ndarray
    i64: np.ndarray
    i32: np.ndarray
    u8: np.ndarray
    mask: np.ndarray
    valid: np.ndarray
    offset: int


@pytest.fixture(scope="module")
def big() -> Big:
    rng = np.random.default_rng(20240917)
    codes = rng.integers(0, NG_BIG - 2, N_BIG).astype(np.int64)
    nan_rows = np.arange(7, N_BIG, 250_007)
    codes[nan_rows] = NG_BIG - 2
    f64 = rng.standard_normal(N_BIG) * 1e3 + 1e6  # a large mean: the two-pass m2 must hold
    f64[rng.random(N_BIG) < 1e-4] = np.nan
    f64[nan_rows] = np.nan
    i64 = rng.integers(-(2**40), 2**40, N_BIG)
    i32 = rng.integers(-(2**31), 2**31, N_BIG).astype(np.int32)
    u8 = rng.integers(0, 256, N_BIG).astype(np.uint8)
    mask = rng.random(N_BIG) < 0.9
    offset = 5
    valid = pack_validity(mask, offset, seed=1, tail=3)
    b = Big(codes, f64, i64, i32, u8, mask, valid, offset)
    _readonly(b.codes, b.f64, b.i64, b.i32, b.u8, b.valid)
    return b


def _np_sum_exact(values: np.ndarray, codes: np.ndarray, ng: int, dtype) -> np.ndarray:
    out = np.zeros(ng, dtype=dtype)
    np.add.at(out, codes, values.astype(dtype))
    return out


def _assert_float_sums(got: np.ndarray, values: np.ndarray, codes: np.ndarray, ng: int) -> None:
    expected = np.bincount(codes, weights=values, minlength=ng)
    scale = np.bincount(codes, weights=np.abs(values), minlength=ng)
    nan = np.isnan(expected)
    assert (np.isnan(got) == nan).all()
    assert (np.abs(got - expected)[~nan] <= 1e-9 * scale[~nan]).all()


def test_blocks_count_and_sum(big):
    m = big.mask
    assert (
        gb.group_count(big.codes, NG_BIG).tolist()
        == np.bincount(big.codes, minlength=NG_BIG).tolist()
    )
    got = gb.group_count(big.codes, NG_BIG, big.valid, big.offset)
    assert got.tolist() == np.bincount(big.codes[m], minlength=NG_BIG).tolist()

    got = gb.group_sum(big.i64, big.codes, NG_BIG, big.valid, big.offset)
    assert got.dtype == np.int64
    assert got.tolist() == _np_sum_exact(big.i64[m], big.codes[m], NG_BIG, np.int64).tolist()
    got = gb.group_sum(big.i32, big.codes, NG_BIG)
    assert got.tolist() == _np_sum_exact(big.i32, big.codes, NG_BIG, np.int64).tolist()
    got = gb.group_sum(big.u8, big.codes, NG_BIG, big.valid, big.offset)
    assert got.dtype == np.uint64
    assert got.tolist() == _np_sum_exact(big.u8[m], big.codes[m], NG_BIG, np.uint64).tolist()

    got = gb.group_sum(big.f64, big.codes, NG_BIG, big.valid, big.offset)
    _assert_float_sums(got, big.f64[m], big.codes[m], NG_BIG)
    assert math.isnan(got[NG_BIG - 2]) and got[NG_BIG - 1] == 0.0

    sums, counts = gb.group_sum_count(big.f64, big.codes, NG_BIG, big.valid, big.offset)
    assert sums.tobytes() == got.tobytes()
    assert counts.tolist() == np.bincount(big.codes[m], minlength=NG_BIG).tolist()
    sums, counts = gb.group_sum_count(big.i32, big.codes, NG_BIG)
    _assert_float_sums(sums, big.i32.astype(np.float64), big.codes, NG_BIG)


def test_blocks_min_max(big):
    m = big.mask
    for want_max in (False, True):
        got, has = gb.group_min_max(big.f64, big.codes, NG_BIG, want_max, big.valid, big.offset)
        expected = np.full(NG_BIG, np.nan)  # fmin/fmax skip NaN; an all-NaN group stays NaN
        (np.fmax if want_max else np.fmin).at(expected, big.codes[m], big.f64[m])
        assert has.tolist() == [True] * (NG_BIG - 1) + [False]
        np.testing.assert_array_equal(got[:-1], expected[:-1])
        assert math.isnan(got[NG_BIG - 2])

        got, has = gb.group_min_max(big.i32, big.codes, NG_BIG, want_max, None, 0)
        info = np.iinfo(np.int32)
        expected = np.full(NG_BIG, info.min if want_max else info.max, dtype=np.int32)
        (np.maximum if want_max else np.minimum).at(expected, big.codes, big.i32)
        assert got.dtype == np.int32 and has.tolist() == [True] * (NG_BIG - 1) + [False]
        assert got[:-1].tolist() == expected[:-1].tolist()


def test_blocks_m2(big):
    m = big.mask
    x = np.where(np.isnan(big.f64), 1e6, big.f64)
    x.flags.writeable = False
    counts, means, m2 = gb.group_m2(x, big.codes, NG_BIG, big.valid, big.offset)
    cnt = np.bincount(big.codes[m], minlength=NG_BIG)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(big.codes[m], weights=x[m], minlength=NG_BIG) / cnt
    dev = np.bincount(big.codes[m], weights=(x[m] - mean[big.codes[m]]) ** 2, minlength=NG_BIG)
    assert counts.tolist() == cnt.tolist()
    np.testing.assert_allclose(means[:-1], mean[:-1], rtol=1e-10)
    np.testing.assert_allclose(m2, dev, rtol=1e-8)
    # a one-pass sum-of-squares formula would lose these digits entirely at a mean of 1e6
    assert np.allclose(m2[:-2] / cnt[:-2], 1e6, rtol=0.1)  # [-2]: NaN-only rows, now constant


def test_blocks_comoments(big):
    rng = np.random.default_rng(5)
    x = np.where(np.isnan(big.f64), 0.0, big.f64)
    y = 2.0 * x + rng.standard_normal(N_BIG) * 500
    both = big.mask.astype(np.uint8)
    counts, cxx, cyy, cxy = gb.group_comoments(x, y, big.codes, NG_BIG, both)
    m = big.mask
    c = big.codes[m]
    cnt = np.bincount(c, minlength=NG_BIG)
    assert counts.tolist() == cnt.tolist()
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = np.bincount(c, weights=x[m], minlength=NG_BIG) / cnt
        my = np.bincount(c, weights=y[m], minlength=NG_BIG) / cnt
    dx, dy = x[m] - mx[c], y[m] - my[c]
    np.testing.assert_allclose(cxx, np.bincount(c, weights=dx * dx, minlength=NG_BIG), rtol=1e-8)
    np.testing.assert_allclose(cyy, np.bincount(c, weights=dy * dy, minlength=NG_BIG), rtol=1e-8)
    np.testing.assert_allclose(cxy, np.bincount(c, weights=dx * dy, minlength=NG_BIG), rtol=1e-8)
    g = 3
    sel = m & (big.codes == g)
    r = cxy[g] / math.sqrt(cxx[g] * cyy[g])
    assert math.isclose(r, np.corrcoef(x[sel], y[sel])[0, 1], rel_tol=1e-9)


def _one_hot_values(dtype, entries: dict[int, int]) -> np.ndarray:
    values = np.zeros(N_BIG, dtype=dtype)
    for row, v in entries.items():
        values[row] = v
    return values


@pytest.mark.parametrize(
    ("dtype", "a", "b", "overflows"),
    [
        (np.int64, 2**62, 2**62, True),
        (np.int64, 2**62, 2**62 - 1, False),  # exactly INT64_MAX
        (np.int64, -(2**62), -(2**62), False),  # exactly INT64_MIN
        (np.int64, -(2**62), -(2**62) - 1, True),
        (np.uint64, 2**63, 2**63, True),
        (np.uint64, 2**63, 2**63 - 1, False),  # exactly UINT64_MAX
    ],
)
def test_blocks_int_overflow_only_when_partials_merge(dtype, a, b, overflows):
    """One row in block 0 and one in block 1 of the same group: each block's partial sum fits,
    only the merge overflows. The same pair inside one block must agree."""
    codes = np.zeros(N_BIG, dtype=np.int64)
    codes[3::7] = 1  # rows 0, 1, 2 and BLOCK_ROWS stay in group 0
    ng = 2
    for rows in ((0, gb.BLOCK_ROWS), (1, 2)):  # across blocks / within block 0
        values = _one_hot_values(dtype, {rows[0]: a, rows[1]: b})
        if overflows:
            with pytest.raises(OverflowError):
                gb.group_sum(values, codes, ng)
        else:
            assert gb.group_sum(values, codes, ng).tolist() == [a + b, 0]
        # masking one of the two rows out (bit offset 3) removes the overflow
        mask = np.ones(N_BIG, dtype=bool)
        mask[rows[1]] = False
        valid = pack_validity(mask, 3, seed=2)
        assert gb.group_sum(values, codes, ng, valid, 3).tolist() == [a, 0]


@pytest.mark.parametrize(
    ("n", "ng"),
    [
        (gb.BLOCK_ROWS, 100),  # one block exactly: serial
        (gb.BLOCK_ROWS + 1, 100),  # two blocks, the second of one row
        (2 * gb.BLOCK_ROWS + 1, gb.BLOCK_ROWS // 16),  # the largest n_groups with blocks
        (2 * gb.BLOCK_ROWS + 1, gb.BLOCK_ROWS // 16 + 1),  # one more: serial
    ],
)
def test_block_boundaries(n, ng):
    rng = np.random.default_rng(n + ng)
    codes = rng.integers(0, ng, n).astype(np.int64)
    values = rng.integers(-(2**40), 2**40, n)
    f = rng.standard_normal(n)
    assert gb.group_count(codes, ng).tolist() == np.bincount(codes, minlength=ng).tolist()
    assert (
        gb.group_sum(values, codes, ng).tolist()
        == _np_sum_exact(values, codes, ng, np.int64).tolist()
    )
    _assert_float_sums(gb.group_sum(f, codes, ng), f, codes, ng)
    got, has = gb.group_min_max(values, codes, ng, True, None, 0)
    expected = np.full(ng, INT64_MIN, dtype=np.int64)
    np.maximum.at(expected, codes, values)
    assert got[has].tolist() == expected[has].tolist()
    assert has.tolist() == (np.bincount(codes, minlength=ng) > 0).tolist()


def test_blocks_float_results_do_not_depend_on_thread_count(big):
    before = frame.get_num_threads()
    results = []
    try:
        for threads in (1, 2):
            frame.set_num_threads(threads)
            results.append(
                [
                    gb.group_sum(big.f64, big.codes, NG_BIG).tobytes(),
                    gb.group_sum(big.f64, big.codes, NG_BIG, big.valid, big.offset).tobytes(),
                    *(a.tobytes() for a in gb.group_sum_count(big.i32, big.codes, NG_BIG)),
                    *(a.tobytes() for a in gb.group_m2(big.f64, big.codes, NG_BIG)),
                    *(
                        a.tobytes()
                        for a in gb.group_comoments(
                            np.nan_to_num(big.f64), big.i32.astype(np.float64), big.codes, NG_BIG
                        )
                    ),
                ]
            )
    finally:
        frame.set_num_threads(before)
    assert frame.get_num_threads() == before
    assert results[0] == results[1]
