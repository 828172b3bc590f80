"""Elementwise kernels behind ``frame.ml``: numeric columns to float64, bin codes and the libm
transforms.

A fitted feature pipeline must give the same bits for a batch and for one record served alone.
The transforms that call the C library (``log1p``, ``pow``) are therefore defined once here, as
``cdef`` functions: the batch kernels loop over them and the single-record path calls the same
functions through their ``*_value`` wrappers. NumPy's ufuncs are not used for these because NumPy
may dispatch to SIMD implementations whose last bit differs from the C library's. The module is
compiled with ``-ffp-contract=off`` (setup.py), so no multiply-add is fused on one path and not
the other.

Null handling: ``to_float64`` writes ``null_value`` for null slots (and, when asked, for NaN),
which is how ``frame.ml`` carries "missing" (NaN) through numeric steps.
"""
import numpy as np
import pyarrow as pa
import pyarrow.types as pat

from libc.math cimport copysign, fabs, log1p, pow
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.float cimport DBL_EPSILON

from frame._core.arrow_view cimport LAYOUT_BOOL, LAYOUT_FIXED, LAYOUT_NULL, ArrayView
from frame._core.bitmap cimport get_bit
from frame._core.dtypes cimport numeric_t

cdef double NAN_ = float("nan")
cdef double INF_ = float("inf")


# ------------------------------------------------------------------------------------------------
# scalar transforms (one definition for both paths)

cdef inline double _log1p(double x) noexcept nogil:
    # CPython's math.log1p returns a zero argument unchanged, keeping -0.0; so does frame
    if x == 0.0:
        return x
    return log1p(x)


cdef inline double _log1p_domain(double x) noexcept nogil:
    """``log(1 + x)``: -inf at -1, NaN below -1 and for NaN (NumPy's semantics)."""
    if x > -1.0:
        return _log1p(x)
    if x == -1.0:
        return -INF_
    return NAN_


cdef inline double _signed_log1p(double x) noexcept nogil:
    """``sign(x) * log(1 + |x|)``: defined on every real; NaN stays NaN."""
    return copysign(_log1p(fabs(x)), x)


cdef inline double _yeo_johnson(double x, double lam) noexcept nogil:
    """The Yeo-Johnson transform of one value; NaN stays NaN, overflow gives inf."""
    if x >= 0.0:
        if fabs(lam) < DBL_EPSILON:
            return _log1p(x)
        return (pow(x + 1.0, lam) - 1.0) / lam
    if x < 0.0:
        if fabs(lam - 2.0) > DBL_EPSILON:
            return -(pow(1.0 - x, 2.0 - lam) - 1.0) / (2.0 - lam)
        return -_log1p(-x)
    return NAN_


def log1p_value(double x):
    """``log(1 + x)`` of one value, bit-identical to :func:`log1p_array`.

    Examples
    --------
    >>> from frame._core.features import log1p_value
    >>> log1p_value(0.0), log1p_value(-1.0), log1p_value(-2.0)
    (0.0, -inf, nan)
    """
    return _log1p_domain(x)


def signed_log1p_value(double x):
    """``sign(x) * log(1 + |x|)`` of one value, bit-identical to :func:`log1p_array` (signed)."""
    return _signed_log1p(x)


def yeo_johnson_value(double x, double lam):
    """Yeo-Johnson of one value, bit-identical to :func:`yeo_johnson_array`.

    Examples
    --------
    >>> from frame._core.features import yeo_johnson_value
    >>> yeo_johnson_value(1.0, 1.0), yeo_johnson_value(-1.0, 1.0)
    (1.0, -1.0)
    """
    return _yeo_johnson(x, lam)


def log1p_array(const double[::1] x, bint signed=False):
    """:func:`log1p_value` (or :func:`signed_log1p_value`) of every element, as a new array."""
    cdef Py_ssize_t i, n = x.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    with nogil:
        if signed:
            for i in range(n):
                o[i] = _signed_log1p(x[i])
        else:
            for i in range(n):
                o[i] = _log1p_domain(x[i])
    return out


def yeo_johnson_array(const double[::1] x, double lam):
    """:func:`yeo_johnson_value` of every element, as a new array."""
    cdef Py_ssize_t i, n = x.shape[0]
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    with nogil:
        for i in range(n):
            o[i] = _yeo_johnson(x[i], lam)
    return out


# ------------------------------------------------------------------------------------------------
# bin codes

def bin_codes(const double[::1] x, const double[::1] cuts):
    """Number of cuts ``<= x`` for every element (``bisect_right``) as float64; NaN stays NaN.

    ``cuts`` must be increasing and free of NaN (checked by the caller when the cuts are made).

    Examples
    --------
    >>> import numpy as np
    >>> from frame._core.features import bin_codes
    >>> bin_codes(np.array([-1.0, 0.0, 5.0, 10.0, np.nan]), np.array([0.0, 10.0])).tolist()
    [0.0, 1.0, 1.0, 2.0, nan]
    """
    cdef Py_ssize_t i, n = x.shape[0], m = cuts.shape[0], lo, hi, mid
    cdef double v
    cdef int64_t c
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    with nogil:
        if m <= 16:
            # a branch-free count beats a binary search over a few cuts
            for i in range(n):
                v = x[i]
                c = 0
                for lo in range(m):
                    c += cuts[lo] <= v
                o[i] = NAN_ if v != v else <double>c
        else:
            for i in range(n):
                v = x[i]
                if v != v:
                    o[i] = NAN_
                    continue
                lo = 0
                hi = m
                while lo < hi:
                    mid = (lo + hi) >> 1
                    if cuts[mid] <= v:
                        lo = mid + 1
                    else:
                        hi = mid
                o[i] = <double>lo
    return out


# ------------------------------------------------------------------------------------------------
# Arrow numeric column -> float64

cdef void _fill_nulls(const uint8_t* valid, int64_t off, int64_t n, double value,
                      double* out) noexcept nogil:
    """``out[i] = value`` where the validity bit is clear; whole valid bytes are skipped."""
    cdef int64_t i = 0, k, b
    cdef uint8_t byte
    while i < n and (off + i) & 7:
        if not get_bit(valid, off + i):
            out[i] = value
        i += 1
    while i + 8 <= n:
        byte = valid[(off + i) >> 3]
        if byte != 0xFF:
            for k in range(8):
                if not (byte >> k) & 1:
                    out[i + k] = value
        i += 8
    while i < n:
        if not get_bit(valid, off + i):
            out[i] = value
        i += 1


cdef void _convert(const numeric_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                   double null_value, bint fill_nan, double nan_value, double* out) noexcept nogil:
    cdef int64_t i
    cdef double v
    if (numeric_t is float or numeric_t is double) and fill_nan:
        for i in range(n):
            v = <double>vals[off + i]
            out[i] = v if v == v else nan_value    # a select, not a branch
    else:
        for i in range(n):
            out[i] = <double>vals[off + i]
    if valid != NULL:
        _fill_nulls(valid, off, n, null_value, out)


def to_float64(arr, double null_value=NAN_, nan_value=None):
    """A numeric Arrow array as a new float64 NumPy array.

    Parameters
    ----------
    arr : pyarrow.Array or ChunkedArray
        Integer (every width and sign), float16/32/64, boolean or null values, possibly sliced;
        a dictionary is decoded first.
    null_value : float
        Written for null slots.
    nan_value : float, optional
        Written for NaN values when given.

    Returns
    -------
    numpy.ndarray[float64]
        Integers beyond 2**53 round to the nearest double, as ``float(int)`` does.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from frame._core.features import to_float64
    >>> to_float64(pa.array([1, None, 3], pa.int8()), null_value=-1.0).tolist()
    [1.0, -1.0, 3.0]
    >>> to_float64(pa.array([1.5, float("nan"), None]), nan_value=0.0).tolist()
    [1.5, 0.0, nan]
    """
    cdef ArrayView v
    cdef int64_t n, i
    cdef bint nan_fill = nan_value is not None
    cdef bint signed
    cdef double nv = float(nan_value) if nan_fill else 0.0
    cdef double[::1] o
    cdef const uint8_t* d
    cdef int w
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    if not isinstance(arr, pa.Array):
        raise TypeError(f"to_float64 needs a pyarrow.Array, got {type(arr).__name__}")
    t = arr.type
    if pat.is_dictionary(t):
        return to_float64(arr.dictionary_decode(), null_value, nan_value)
    if pat.is_float16(t):
        arr = arr.cast(pa.float32())
        t = arr.type
    if not (pat.is_integer(t) or pat.is_floating(t) or pat.is_boolean(t) or pat.is_null(t)):
        raise TypeError(f"to_float64 needs a numeric or boolean array, got {t}")
    n = len(arr)
    out = np.empty(n, dtype=np.float64)
    if n == 0:
        return out
    if pat.is_null(t):
        out[:] = null_value
        return out
    o = out
    v = ArrayView(arr)
    d = v.data
    w = v.byte_width
    if v.layout == LAYOUT_BOOL:
        with nogil:
            for i in range(n):
                o[i] = get_bit(d, v.offset + i)
            if v.validity != NULL:
                _fill_nulls(v.validity, v.offset, n, null_value, &o[0])
        return out
    if pat.is_floating(t):
        with nogil:
            if w == 4:
                _convert(<const float*>d, v.validity, v.offset, n, null_value, nan_fill, nv, &o[0])
            else:
                _convert(<const double*>d, v.validity, v.offset, n, null_value, nan_fill, nv, &o[0])
        return out
    signed = pat.is_signed_integer(t)
    with nogil:
        if signed:
            if w == 1:
                _convert(<const int8_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
            elif w == 2:
                _convert(<const int16_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
            elif w == 4:
                _convert(<const int32_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
            else:
                _convert(<const int64_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
        else:
            if w == 1:
                _convert(<const uint8_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
            elif w == 2:
                _convert(<const uint16_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
            elif w == 4:
                _convert(<const uint32_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
            else:
                _convert(<const uint64_t*>d, v.validity, v.offset, n, null_value, False, nv, &o[0])
    return out


def fill_nan(const double[::1] x, double value):
    """A copy of ``x`` with every NaN replaced by ``value``."""
    cdef Py_ssize_t i, n = x.shape[0]
    cdef double v
    out = np.empty(n, dtype=np.float64)
    cdef double[::1] o = out
    with nogil:
        for i in range(n):
            v = x[i]
            o[i] = value if v != v else v
    return out
