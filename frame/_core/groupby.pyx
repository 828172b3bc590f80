"""Group-wise aggregation kernels over dense group codes.

Every kernel takes the rows' group ``codes`` (int64, each in ``0 .. n_groups - 1``, as produced by
``hashing.factorize`` / ``factorize_multi``; the Python layer validates them) and, for value
aggregations, the values as a 1-D NumPy *view* of the Arrow data buffer already sliced to the
array's rows (zero copy), plus the Arrow validity bitmap as ``uint8`` with its bit offset (or
``None`` when there are no nulls). Value dtypes are the ten NumPy numeric types; the Python layer
maps bool, temporal and dictionary columns onto them (or onto order-preserving rank codes).

Parallelism (``_n_blocks``): when there are many rows per group, the rows are cut into fixed
blocks of ``BLOCK_ROWS``; each block accumulates into its own partial table (blocks run on the
OpenMP threads) and the partials are merged in block order. The split depends only on
``(n_rows, n_groups)``, never on the thread count, so a float sum is bit-for-bit the same with 1
or 2 threads. With few rows per group the kernels run one serial pass (partials would cost more
than they save).

Results follow the null rules of ``frame``'s aggregations: nulls are skipped; min/max/quantile
ignore NaN unless a group has nothing else; a group with no values yields an "empty" flag the
Python layer turns into null (or 0 for sums and counts).
"""
import numpy as np

from cython.parallel cimport prange
from libc.math cimport floor, nearbyint
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport free, malloc

from frame._core.bitmap cimport get_bit
from frame._core.buffer cimport allocate
from frame._core.checked cimport add_i64, add_u64, mul_i64, mul_u64
from frame._core.dtypes cimport numeric_t
from frame._core.parallel cimport n_threads_for


cdef extern from *:
    """
    #include <stdint.h>
    /* 128-bit accumulators for 64-bit integer sums: exact for fewer than 2**63 rows, so a sum
       overflows only when its final value does not fit (never because of the row order). */
    typedef __int128 frame_i128;
    static inline int frame_i128_to_i64(frame_i128 x, int64_t* out) {
        if (x < (frame_i128)INT64_MIN || x > (frame_i128)INT64_MAX) return 1;
        *out = (int64_t)x; return 0;
    }
    static inline int frame_i128_to_u64(frame_i128 x, uint64_t* out) {
        if (x < 0 || x > (frame_i128)UINT64_MAX) return 1;
        *out = (uint64_t)x; return 0;
    }
    """
    ctypedef long long i128 "frame_i128"
    bint i128_to_i64 "frame_i128_to_i64"(i128 x, int64_t* out) noexcept nogil
    bint i128_to_u64 "frame_i128_to_u64"(i128 x, uint64_t* out) noexcept nogil


#: Rows per partial-aggregation block (fixed, so results do not depend on the thread count).
BLOCK_ROWS = 1 << 20
cdef int64_t _BLOCK = 1 << 20

# quantile interpolation codes (the Python layer maps names onto these)
INTERP_LINEAR = 0
INTERP_LOWER = 1
INTERP_HIGHER = 2
INTERP_NEAREST = 3
INTERP_MIDPOINT = 4


def _zeros(int64_t n, dtype):
    """Zeroed array on a recycled ``OwnedBuffer`` block: results and partial tables of a big
    group-by would otherwise fault in fresh pages on every call."""
    dtype = np.dtype(dtype)
    return np.frombuffer(allocate(n * dtype.itemsize, True), dtype=dtype)


def _empty(int64_t n, dtype):
    dtype = np.dtype(dtype)
    return np.frombuffer(allocate(n * dtype.itemsize, False), dtype=dtype)


cdef int64_t _n_blocks(int64_t n, int64_t ng) noexcept:
    """Number of partial blocks: 1 (one serial pass) unless every block has many rows per group."""
    cdef int64_t nb = (n + _BLOCK - 1) // _BLOCK
    if nb < 2 or ng * 16 > _BLOCK:
        return 1
    return nb


cdef inline const uint8_t* _bits(object valid):
    cdef const uint8_t[::1] mv
    if valid is None:
        return NULL
    mv = valid
    if mv.shape[0] == 0:
        return NULL
    return &mv[0]


cdef inline bint _is_nan(numeric_t x) noexcept nogil:
    if numeric_t is float or numeric_t is double:
        return x != x
    else:
        return False


cdef inline bint _lt(numeric_t a, numeric_t b) noexcept nogil:
    """Strict order where NaN is above every number (and NaN ties NaN)."""
    if numeric_t is float or numeric_t is double:
        if a != a:
            return False
        if b != b:
            return True
    return a < b


def _validate(int64_t n_values, const int64_t[::1] codes, int64_t n_groups):
    if codes.shape[0] != n_values:
        raise ValueError(f"{codes.shape[0]} codes for {n_values} values")
    if n_groups < 0:
        raise ValueError(f"n_groups must be >= 0, got {n_groups}")


# ------------------------------------------------------------------------------------------------
# counts

cdef void _count_rows(const uint8_t* valid, int64_t off, const int64_t* codes, int64_t s,
                      int64_t e, int64_t* acc) noexcept nogil:
    cdef int64_t i
    if valid == NULL:
        for i in range(s, e):
            acc[codes[i]] += 1
    else:
        for i in range(s, e):
            if get_bit(valid, off + i):
                acc[codes[i]] += 1


def group_count(const int64_t[::1] codes, int64_t n_groups, valid=None, int64_t offset=0):
    """Rows per group (``valid is None``) or non-null rows per group: ``int64[n_groups]``."""
    cdef int64_t n = codes.shape[0]
    cdef int64_t nb = _n_blocks(n, n_groups), b, g, s, e
    cdef const uint8_t* vp = _bits(valid)
    cdef int nt = n_threads_for(n)
    out = _zeros(n_groups, np.int64)
    cdef int64_t[::1] o = out
    cdef int64_t[::1] part
    if n == 0 or n_groups == 0:
        return out
    if nb == 1:
        with nogil:
            _count_rows(vp, offset, &codes[0], 0, n, &o[0])
        return out
    parts = _zeros(nb * n_groups, np.int64)
    part = parts
    with nogil:
        for b in prange(nb, schedule="dynamic", num_threads=nt):
            s = b * _BLOCK
            e = min(n, s + _BLOCK)
            _count_rows(vp, offset, &codes[0], s, e, &part[b * n_groups])
        for b in range(nb):
            for g in range(n_groups):
                o[g] += part[b * n_groups + g]
    return out


# ------------------------------------------------------------------------------------------------
# sums (and the float sums + counts behind mean)

cdef void _sum_f(const numeric_t* v, const uint8_t* valid, int64_t off, const int64_t* codes,
                 int64_t s, int64_t e, double* acc, int64_t* cnt) noexcept nogil:
    cdef int64_t i, c
    if valid == NULL:
        if cnt == NULL:
            for i in range(s, e):
                acc[codes[i]] += <double>v[i]
        else:
            for i in range(s, e):
                c = codes[i]
                acc[c] += <double>v[i]
                cnt[c] += 1
    else:
        for i in range(s, e):
            if get_bit(valid, off + i):
                c = codes[i]
                acc[c] += <double>v[i]
                if cnt != NULL:
                    cnt[c] += 1


cdef void _sum_i(const numeric_t* v, const uint8_t* valid, int64_t off, const int64_t* codes,
                 int64_t s, int64_t e, int64_t* acc) noexcept nogil:
    """Sums of integers narrower than 64 bits in int64 (uint64 for unsigned): exact for fewer
    than 2**32 rows."""
    cdef int64_t i
    if valid == NULL:
        for i in range(s, e):
            acc[codes[i]] += <int64_t>v[i]
    else:
        for i in range(s, e):
            if get_bit(valid, off + i):
                acc[codes[i]] += <int64_t>v[i]


cdef void _sum_wide(const numeric_t* v, const uint8_t* valid, int64_t off, const int64_t* codes,
                    int64_t s, int64_t e, i128* acc) noexcept nogil:
    """Sums of int64 / uint64 values in 128-bit accumulators."""
    cdef int64_t i
    if valid == NULL:
        for i in range(s, e):
            acc[codes[i]] += <i128>v[i]
    else:
        for i in range(s, e):
            if get_bit(valid, off + i):
                acc[codes[i]] += <i128>v[i]


def group_sum(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
              valid=None, int64_t offset=0):
    """Per-group sum, skipping nulls: int64 (signed input), uint64 (unsigned) or float64.

    Raises ``OverflowError`` when an integer sum does not fit its result type.
    """
    cdef int64_t n = values.shape[0]
    cdef int64_t nb, b, g, s, e
    cdef const uint8_t* vp = _bits(valid)
    cdef int nt = n_threads_for(n)
    cdef bint over = False
    cdef double[::1] fo, fp
    cdef uint64_t[::1] wp
    cdef i128* acc128
    cdef int64_t[::1] io, ip
    cdef uint64_t[::1] uo
    _validate(n, codes, n_groups)
    nb = _n_blocks(n, n_groups)
    if numeric_t is float or numeric_t is double:
        out = _zeros(n_groups, np.float64)
    elif numeric_t is uint8_t or numeric_t is uint16_t or numeric_t is uint32_t or numeric_t is uint64_t:
        out = _zeros(n_groups, np.uint64)
    else:
        out = _zeros(n_groups, np.int64)
    if n == 0 or n_groups == 0:
        return out
    parts = _zeros(nb * n_groups, out.dtype) if nb > 1 else out
    if numeric_t is float or numeric_t is double:
        fo = out
        fp = parts
        with nogil:
            if nb == 1:
                _sum_f(&values[0], vp, offset, &codes[0], 0, n, &fo[0], NULL)
            else:
                for b in prange(nb, schedule="dynamic", num_threads=nt):
                    s = b * _BLOCK
                    e = min(n, s + _BLOCK)
                    _sum_f(&values[0], vp, offset, &codes[0], s, e, &fp[b * n_groups], NULL)
                for b in range(nb):
                    for g in range(n_groups):
                        fo[g] += fp[b * n_groups + g]
    elif numeric_t is int64_t or numeric_t is uint64_t:
        wide = _zeros(2 * nb * n_groups, np.uint64)
        wp = wide
        acc128 = <i128*>&wp[0]
        if numeric_t is int64_t:
            io = out
        else:
            uo = out
        with nogil:
            if nb == 1:
                _sum_wide(&values[0], vp, offset, &codes[0], 0, n, acc128)
            else:
                for b in prange(nb, schedule="dynamic", num_threads=nt):
                    s = b * _BLOCK
                    e = min(n, s + _BLOCK)
                    _sum_wide(&values[0], vp, offset, &codes[0], s, e, acc128 + b * n_groups)
                for b in range(1, nb):
                    for g in range(n_groups):
                        acc128[g] += acc128[b * n_groups + g]
            if numeric_t is int64_t:
                for g in range(n_groups):
                    over |= i128_to_i64(acc128[g], &io[g])
            else:
                for g in range(n_groups):
                    over |= i128_to_u64(acc128[g], &uo[g])
    else:
        io = out.view(np.int64)      # narrow unsigned sums are non-negative and below 2**63
        ip = parts.view(np.int64)
        with nogil:
            if nb == 1:
                _sum_i(&values[0], vp, offset, &codes[0], 0, n, &io[0])
            else:
                for b in prange(nb, schedule="dynamic", num_threads=nt):
                    s = b * _BLOCK
                    e = min(n, s + _BLOCK)
                    _sum_i(&values[0], vp, offset, &codes[0], s, e, &ip[b * n_groups])
                for b in range(nb):
                    for g in range(n_groups):
                        io[g] += ip[b * n_groups + g]
    if over:
        raise OverflowError("integer sum overflows its result type")
    return out


def group_sum_count(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
                    valid=None, int64_t offset=0):
    """Per-group float64 sum and non-null count in one pass: ``(sums, counts)`` (for mean)."""
    cdef int64_t n = values.shape[0]
    cdef int64_t nb, b, g, s, e
    cdef const uint8_t* vp = _bits(valid)
    cdef int nt = n_threads_for(n)
    _validate(n, codes, n_groups)
    nb = _n_blocks(n, n_groups)
    sums = _zeros(n_groups, np.float64)
    counts = _zeros(n_groups, np.int64)
    cdef double[::1] so = sums
    cdef int64_t[::1] co = counts
    cdef double[::1] sp
    cdef int64_t[::1] cp
    if n == 0 or n_groups == 0:
        return sums, counts
    if nb == 1:
        with nogil:
            _sum_f(&values[0], vp, offset, &codes[0], 0, n, &so[0], &co[0])
        return sums, counts
    sp = _zeros(nb * n_groups, np.float64)
    cp = _zeros(nb * n_groups, np.int64)
    with nogil:
        for b in prange(nb, schedule="dynamic", num_threads=nt):
            s = b * _BLOCK
            e = min(n, s + _BLOCK)
            _sum_f(&values[0], vp, offset, &codes[0], s, e, &sp[b * n_groups], &cp[b * n_groups])
        for b in range(nb):
            for g in range(n_groups):
                so[g] += sp[b * n_groups + g]
                co[g] += cp[b * n_groups + g]
    return sums, counts


# ------------------------------------------------------------------------------------------------
# min / max

# state per group: 0 = nothing seen, 1 = a number seen, 2 = only NaN seen
cdef void _minmax(const numeric_t* v, const uint8_t* valid, int64_t off, const int64_t* codes,
                  int64_t s, int64_t e, bint want_max, numeric_t* acc,
                  uint8_t* state) noexcept nogil:
    cdef int64_t i, c
    cdef numeric_t x
    for i in range(s, e):
        if valid != NULL and not get_bit(valid, off + i):
            continue
        c = codes[i]
        x = v[i]
        if _is_nan(x):
            if state[c] == 0:
                state[c] = 2
                acc[c] = x
            continue
        if state[c] != 1:
            state[c] = 1
            acc[c] = x
        elif want_max:
            if x > acc[c]:
                acc[c] = x
        elif x < acc[c]:
            acc[c] = x


def group_min_max(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
                  bint want_max, valid=None, int64_t offset=0):
    """Per-group min (or max) of the non-null values: ``(values, has_value: bool[n_groups])``.

    NaN is ignored unless a group has only NaN (then the result is NaN).
    """
    cdef int64_t n = values.shape[0]
    cdef int64_t nb, b, g, s, e, k
    cdef const uint8_t* vp = _bits(valid)
    cdef int nt = n_threads_for(n)
    _validate(n, codes, n_groups)
    nb = _n_blocks(n, n_groups)
    dtype = np.asarray(values[:0]).dtype
    out = _zeros(n_groups, dtype)
    state = _zeros(n_groups, np.uint8)
    cdef numeric_t[::1] o = out
    cdef uint8_t[::1] st = state
    cdef numeric_t[::1] p
    cdef uint8_t[::1] ps
    if n == 0 or n_groups == 0:
        return out, state.astype(np.bool_)
    if nb == 1:
        with nogil:
            _minmax(&values[0], vp, offset, &codes[0], 0, n, want_max, &o[0], &st[0])
        return out, state != 0
    p = _zeros(nb * n_groups, dtype)
    ps = _zeros(nb * n_groups, np.uint8)
    with nogil:
        for b in prange(nb, schedule="dynamic", num_threads=nt):
            s = b * _BLOCK
            e = min(n, s + _BLOCK)
            _minmax(&values[0], vp, offset, &codes[0], s, e, want_max, &p[b * n_groups],
                    &ps[b * n_groups])
        for b in range(nb):
            for g in range(n_groups):
                k = b * n_groups + g
                if ps[k] == 0 or (ps[k] == 2 and st[g] != 0):
                    continue
                if ps[k] == 2 or st[g] != 1:
                    st[g] = ps[k]
                    o[g] = p[k]
                elif want_max:
                    if p[k] > o[g]:
                        o[g] = p[k]
                elif p[k] < o[g]:
                    o[g] = p[k]
    return out, state != 0


# ------------------------------------------------------------------------------------------------
# positions: first / last row, arg min / max, position within the group, counting-sort order

def group_first_last(const int64_t[::1] codes, int64_t n_groups):
    """First and last row of each group: ``(first, last)``, int64, -1 for a group with no rows."""
    cdef int64_t n = codes.shape[0], i, c
    first = np.full(n_groups, -1, dtype=np.int64)
    last = np.full(n_groups, -1, dtype=np.int64)
    cdef int64_t[::1] f = first
    cdef int64_t[::1] l = last
    with nogil:
        for i in range(n):
            c = codes[i]
            if f[c] < 0:
                f[c] = i
            l[c] = i
    return first, last


def group_arg_extreme(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
                      bint want_max, valid=None, int64_t offset=0):
    """Row of the first minimum (maximum) non-null value of each group; -1 when none.

    NaN is skipped unless the group has only NaN (then the first NaN row).
    """
    cdef int64_t n = values.shape[0], i, c
    cdef const uint8_t* vp = _bits(valid)
    cdef numeric_t x
    _validate(n, codes, n_groups)
    rows = np.full(n_groups, -1, dtype=np.int64)
    best = _zeros(n_groups, np.asarray(values[:0]).dtype)
    state = _zeros(n_groups, np.uint8)
    cdef int64_t[::1] r = rows
    cdef numeric_t[::1] bv = best
    cdef uint8_t[::1] st = state
    with nogil:
        for i in range(n):
            if vp != NULL and not get_bit(vp, offset + i):
                continue
            c = codes[i]
            x = values[i]
            if _is_nan(x):
                if st[c] == 0:
                    st[c] = 2
                    r[c] = i
                continue
            if st[c] != 1 or (want_max and x > bv[c]) or (not want_max and x < bv[c]):
                st[c] = 1
                bv[c] = x
                r[c] = i
    return rows


def group_cumcount(const int64_t[::1] codes, int64_t n_groups):
    """Position of each row within its group (0-based, row order): ``int64[n]``."""
    cdef int64_t n = codes.shape[0], i, c
    out = _empty(n, np.int64)
    seen = _zeros(n_groups, np.int64)
    cdef int64_t[::1] o = out
    cdef int64_t[::1] k = seen
    with nogil:
        for i in range(n):
            c = codes[i]
            o[i] = k[c]
            k[c] += 1
    return out


def group_order(const int64_t[::1] codes, int64_t n_groups):
    """Counting sort of the rows by group: ``(order int64[n], offsets int64[n_groups + 1])``.

    Rows of group ``g`` are ``order[offsets[g]:offsets[g + 1]]``, in row order (stable).
    """
    cdef int64_t n = codes.shape[0], i, c, acc = 0, t
    order = _empty(n, np.int64)
    offsets = _zeros(n_groups + 1, np.int64)
    cdef int64_t[::1] o = order
    cdef int64_t[::1] off = offsets
    cdef int64_t[::1] cur
    with nogil:
        for i in range(n):
            off[codes[i] + 1] += 1
        for c in range(n_groups):
            off[c + 1] += off[c]
    cursor = offsets[:n_groups].copy()
    cur = cursor
    with nogil:
        for i in range(n):
            c = codes[i]
            o[cur[c]] = i
            cur[c] += 1
    return order, offsets


# ------------------------------------------------------------------------------------------------
# variance (two passes: means, then squared deviations) and co-moments

cdef void _sq_dev(const numeric_t* v, const uint8_t* valid, int64_t off, const int64_t* codes,
                  int64_t s, int64_t e, const double* mean, double* acc) noexcept nogil:
    cdef int64_t i, c
    cdef double d
    for i in range(s, e):
        if valid == NULL or get_bit(valid, off + i):
            c = codes[i]
            d = <double>v[i] - mean[c]
            acc[c] += d * d


def group_m2(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
             valid=None, int64_t offset=0):
    """Per-group ``(count, mean, m2)`` with ``m2 = sum((x - mean)**2)`` (two-pass, so a large
    mean does not cancel the variance away). ``var = m2 / (count - ddof)``."""
    cdef int64_t n = values.shape[0]
    cdef int64_t nb, b, g, s, e
    cdef const uint8_t* vp = _bits(valid)
    cdef int nt = n_threads_for(n)
    sums, counts = group_sum_count(values, codes, n_groups, valid, offset)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = sums / counts
    nb = _n_blocks(n, n_groups)
    m2 = _zeros(n_groups, np.float64)
    cdef double[::1] mo = m2
    cdef double[::1] mn = means
    cdef double[::1] p
    if n == 0 or n_groups == 0:
        return counts, means, m2
    if nb == 1:
        with nogil:
            _sq_dev(&values[0], vp, offset, &codes[0], 0, n, &mn[0], &mo[0])
        return counts, means, m2
    p = _zeros(nb * n_groups, np.float64)
    with nogil:
        for b in prange(nb, schedule="dynamic", num_threads=nt):
            s = b * _BLOCK
            e = min(n, s + _BLOCK)
            _sq_dev(&values[0], vp, offset, &codes[0], s, e, &mn[0], &p[b * n_groups])
        for b in range(nb):
            for g in range(n_groups):
                mo[g] += p[b * n_groups + g]
    return counts, means, m2


cdef void _co_sums(const double* x, const double* y, const uint8_t* both, const int64_t* codes,
                   int64_t s, int64_t e, double* sx, double* sy, int64_t* cnt) noexcept nogil:
    cdef int64_t i, c
    for i in range(s, e):
        if both == NULL or both[i]:
            c = codes[i]
            sx[c] += x[i]
            sy[c] += y[i]
            cnt[c] += 1


cdef void _co_dev(const double* x, const double* y, const uint8_t* both, const int64_t* codes,
                  int64_t s, int64_t e, const double* mx, const double* my, double* cxx,
                  double* cyy, double* cxy) noexcept nogil:
    cdef int64_t i, c
    cdef double dx, dy
    for i in range(s, e):
        if both == NULL or both[i]:
            c = codes[i]
            dx = x[i] - mx[c]
            dy = y[i] - my[c]
            cxx[c] += dx * dx
            cyy[c] += dy * dy
            cxy[c] += dx * dy


def group_comoments(const double[::1] x, const double[::1] y, const int64_t[::1] codes,
                    int64_t n_groups, both=None):
    """Per-group ``(count, cxx, cyy, cxy)`` over rows where ``both[i]`` (uint8; None = all rows):
    centred sums of squares and cross-products (two-pass), for cov and corr."""
    cdef int64_t n = x.shape[0]
    cdef int64_t nb, b, g, s, e, k
    cdef const uint8_t* bp = _bits(both)
    cdef int nt = n_threads_for(n)
    if y.shape[0] != n:
        raise ValueError("x and y have different lengths")
    _validate(n, codes, n_groups)
    nb = _n_blocks(n, n_groups)
    cnt = _zeros(nb * n_groups, np.int64)
    sx = _zeros(nb * n_groups, np.float64)
    sy = _zeros(nb * n_groups, np.float64)
    cxx = _zeros(nb * n_groups, np.float64)
    cyy = _zeros(nb * n_groups, np.float64)
    cxy = _zeros(nb * n_groups, np.float64)
    cdef int64_t[::1] cn = cnt
    cdef double[::1] a = sx
    cdef double[::1] bb = sy
    cdef double[::1] p = cxx
    cdef double[::1] q = cyy
    cdef double[::1] r = cxy
    cdef double[::1] mxv
    cdef double[::1] myv
    if n == 0 or n_groups == 0:
        z = _zeros(n_groups, np.float64)
        return _zeros(n_groups, np.int64), z, z.copy(), z.copy()
    with nogil:
        for b in prange(nb, schedule="dynamic", num_threads=nt):
            s = b * _BLOCK
            e = min(n, s + _BLOCK)
            _co_sums(&x[0], &y[0], bp, &codes[0], s, e, &a[b * n_groups], &bb[b * n_groups],
                     &cn[b * n_groups])
    counts = cnt.reshape(nb, n_groups).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mx = sx.reshape(nb, n_groups).sum(axis=0) / counts
        my = sy.reshape(nb, n_groups).sum(axis=0) / counts
    mxv = mx
    myv = my
    with nogil:
        for b in prange(nb, schedule="dynamic", num_threads=nt):
            s = b * _BLOCK
            e = min(n, s + _BLOCK)
            _co_dev(&x[0], &y[0], bp, &codes[0], s, e, &mxv[0], &myv[0], &p[b * n_groups],
                    &q[b * n_groups], &r[b * n_groups])
    return (counts, cxx.reshape(nb, n_groups).sum(axis=0), cyy.reshape(nb, n_groups).sum(axis=0),
            cxy.reshape(nb, n_groups).sum(axis=0))


# ------------------------------------------------------------------------------------------------
# product

cdef inline bint _mul_into(uint64_t* acc, numeric_t v) noexcept nogil:
    """``acc *= v`` in uint64 (unsigned input) or int64 (signed, through the same bits); True
    on overflow."""
    if numeric_t is uint8_t or numeric_t is uint16_t or numeric_t is uint32_t or numeric_t is uint64_t:
        return mul_u64(acc[0], <uint64_t>v, acc)
    else:
        return mul_i64(<int64_t>acc[0], <int64_t>v, <int64_t*>acc)


def group_product(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
                  valid=None, int64_t offset=0):
    """Per-group product of the non-null values (1 for none): int64 / uint64 or float64.

    Raises ``OverflowError`` when an integer product does not fit. Overflow is tracked per group
    and a 0 clears it (the product is then 0 whatever came before), so the answer never depends
    on the row order.
    """
    cdef int64_t n = values.shape[0], i, c
    cdef const uint8_t* vp = _bits(valid)
    cdef double[::1] fo
    cdef uint64_t[::1] acc
    cdef uint8_t[::1] ov
    _validate(n, codes, n_groups)
    overflowed = _zeros(n_groups, np.uint8)
    ov = overflowed
    if numeric_t is float or numeric_t is double:
        out = np.ones(n_groups, dtype=np.float64)
        fo = out
        with nogil:
            for i in range(n):
                if vp == NULL or get_bit(vp, offset + i):
                    fo[codes[i]] *= <double>values[i]
    else:
        unsigned = (numeric_t is uint8_t or numeric_t is uint16_t or numeric_t is uint32_t
                    or numeric_t is uint64_t)
        out = np.ones(n_groups, dtype=np.uint64 if unsigned else np.int64)
        acc = out.view(np.uint64)
        with nogil:
            for i in range(n):
                if vp == NULL or get_bit(vp, offset + i):
                    c = codes[i]
                    if values[i] == 0:
                        acc[c] = 0
                        ov[c] = 0
                    elif _mul_into(&acc[c], values[i]):
                        ov[c] = 1
    if overflowed.any():
        raise OverflowError("integer product overflows its result type")
    return out


# ------------------------------------------------------------------------------------------------
# order statistics: quantiles and top-k. The non-null values of each group are scattered into one
# group-contiguous buffer (a counting sort on the codes); each group's slice is then selected in
# place (quickselect), so nothing is sorted beyond what the answer needs.

cdef inline void _swap(numeric_t* a, int64_t i, int64_t j) noexcept nogil:
    cdef numeric_t t = a[i]
    a[i] = a[j]
    a[j] = t


cdef void _insertion_sort(numeric_t* a, int64_t n) noexcept nogil:
    cdef int64_t i, j
    cdef numeric_t x
    for i in range(1, n):
        x = a[i]
        j = i - 1
        while j >= 0 and _lt(x, a[j]):
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = x


cdef void _select(numeric_t* a, int64_t n, int64_t k) noexcept nogil:
    """Reorder ``a[0:n]`` so ``a[k]`` is the k-th smallest, smaller ones before, larger after."""
    cdef int64_t lo = 0, hi = n - 1, i, j, mid
    cdef numeric_t pivot
    while hi - lo > 16:
        mid = lo + (hi - lo) // 2
        # median of three to the middle
        if _lt(a[mid], a[lo]):
            _swap(a, mid, lo)
        if _lt(a[hi], a[lo]):
            _swap(a, hi, lo)
        if _lt(a[hi], a[mid]):
            _swap(a, hi, mid)
        pivot = a[mid]
        i = lo
        j = hi
        while i <= j:
            while _lt(a[i], pivot):
                i += 1
            while _lt(pivot, a[j]):
                j -= 1
            if i <= j:
                _swap(a, i, j)
                i += 1
                j -= 1
        if k <= j:
            hi = j
        elif k >= i:
            lo = i
        else:
            return
    _insertion_sort(a + lo, hi - lo + 1)


cdef void _sort(numeric_t* a, int64_t n) noexcept nogil:
    """In-place ascending sort (quicksort on the select partition; insertion sort below 17)."""
    cdef int64_t mid
    while n > 16:
        mid = n // 2
        _select(a, n, mid)
        _sort(a, mid)
        a += mid + 1
        n -= mid + 1
    _insertion_sort(a, n)


cdef inline numeric_t _min_of(const numeric_t* a, int64_t n) noexcept nogil:
    cdef numeric_t m = a[0]
    cdef int64_t i
    for i in range(1, n):
        if _lt(a[i], m):
            m = a[i]
    return m


cdef void _count_kept(const numeric_t* v, const int64_t* codes, const uint8_t* vp, int64_t offset,
                      int64_t s, int64_t e, bint drop_nan, int64_t* cnt,
                      int64_t* nans) noexcept nogil:
    cdef int64_t i
    for i in range(s, e):
        if vp != NULL and not get_bit(vp, offset + i):
            continue
        if drop_nan and _is_nan(v[i]):
            nans[codes[i]] += 1
        else:
            cnt[codes[i]] += 1


cdef void _scatter_kept(const numeric_t* v, const int64_t* codes, const uint8_t* vp,
                        int64_t offset, int64_t s, int64_t e, bint drop_nan, int64_t* cur,
                        numeric_t* out) noexcept nogil:
    cdef int64_t i, c
    for i in range(s, e):
        if vp != NULL and not get_bit(vp, offset + i):
            continue
        if drop_nan and _is_nan(v[i]):
            continue
        c = codes[i]
        out[cur[c]] = v[i]
        cur[c] += 1


cdef tuple _scatter(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
                    const uint8_t* vp, int64_t offset, bint drop_nan):
    """Group-contiguous copy of the kept values: ``(buffer, offsets, nan_counts)``.

    A counting sort on the codes; with two threads each half of the rows gets its own cursors
    (the order of values inside a group does not matter to the callers).
    """
    cdef int64_t n = values.shape[0], g, t, total = 0, cnt
    cdef int T = 2 if n_threads_for(n) >= 2 and n_groups * 8 <= n else 1
    cdef int64_t half = (n + 1) // 2
    offsets = _zeros(n_groups + 1, np.int64)
    hist = _zeros(T * n_groups, np.int64)
    nans = _zeros(T * n_groups, np.int64)
    cdef int64_t[::1] off = offsets
    cdef int64_t[::1] h = hist
    cdef int64_t[::1] nn = nans
    if n == 0 or n_groups == 0:
        return _empty(1, np.asarray(values[:0]).dtype), offsets, nans[:n_groups]
    with nogil:
        if T == 1:
            _count_kept(&values[0], &codes[0], vp, offset, 0, n, drop_nan, &h[0], &nn[0])
        else:
            for t in prange(2, num_threads=2, schedule="static"):
                _count_kept(&values[0], &codes[0], vp, offset, t * half, min(n, (t + 1) * half),
                            drop_nan, &h[t * n_groups], &nn[t * n_groups])
        for g in range(n_groups):
            off[g] = total
            for t in range(T):
                cnt = h[t * n_groups + g]
                h[t * n_groups + g] = total     # becomes thread t's cursor in group g
                total = total + cnt
        off[n_groups] = total
    buf = _empty(max(total, 1), np.asarray(values[:0]).dtype)
    cdef numeric_t[::1] bv = buf
    with nogil:
        if T == 1:
            _scatter_kept(&values[0], &codes[0], vp, offset, 0, n, drop_nan, &h[0], &bv[0])
        else:
            for t in prange(2, num_threads=2, schedule="static"):
                _scatter_kept(&values[0], &codes[0], vp, offset, t * half,
                              min(n, (t + 1) * half), drop_nan, &h[t * n_groups], &bv[0])
    if T == 2:
        nans = nans[:n_groups] + nans[n_groups:]
    return buf, offsets, nans[:n_groups]


cdef void _select_numbers(numeric_t* a, int64_t n, int64_t k) noexcept nogil:
    """``_select`` for inputs without NaN: branch-free Lomuto partitions (the comparisons of a
    quickselect on random data are unpredictable, so not branching on them pays)."""
    cdef int64_t lo = 0, hi = n - 1, i, store, mid, eq
    cdef numeric_t pivot, x
    while hi - lo > 16:
        mid = lo + (hi - lo) // 2
        if a[mid] < a[lo]:
            _swap(a, mid, lo)
        if a[hi] < a[lo]:
            _swap(a, hi, lo)
        if a[hi] < a[mid]:
            _swap(a, hi, mid)
        # median of three now at mid; park it at hi and partition [lo, hi)
        _swap(a, mid, hi)
        pivot = a[hi]
        store = lo
        for i in range(lo, hi):
            x = a[i]
            a[i] = a[store]
            a[store] = x
            store += x < pivot
        _swap(a, store, hi)
        if k == store:
            return
        if k < store:
            hi = store - 1
            continue
        if (hi - store) * 4 <= (hi - lo + 1) * 3:
            lo = store + 1
            continue
        # a lopsided split: gather the copies of the pivot right after it, so inputs with few
        # distinct values (integer codes, ratings) shrink by all the copies at once
        eq = store + 1
        for i in range(store + 1, hi + 1):
            x = a[i]
            a[i] = a[eq]
            a[eq] = x
            eq += not (pivot < x)
        if k < eq:
            return
        lo = eq
    _insertion_sort(a + lo, hi - lo + 1)


def group_quantile(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
                   double q, int interpolation, valid=None, int64_t offset=0):
    """Per-group quantile of the non-null, non-NaN values.

    Returns ``(exact, as_float, state)``: ``exact`` holds the chosen element in the input dtype
    (lower / higher / nearest), ``as_float`` the float64 answer (linear / midpoint, and the
    chosen element for the others); ``state`` is 0 for no values (null), 1 for a value, 2 for a
    group of only NaN (answer NaN). Position ``q * (m - 1)`` over the ``m`` sorted values;
    nearest rounds half to even (pyarrow's rule).
    """
    cdef int64_t n = values.shape[0], g, m, lo_i, hi_i, s
    cdef const uint8_t* vp = _bits(valid)
    cdef double pos, frac, lo_f, hi_f
    cdef numeric_t lo_v, hi_v
    cdef numeric_t* seg
    _validate(n, codes, n_groups)
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile must be between 0 and 1, got {q}")
    buf, offsets, nans = _scatter(values, codes, n_groups, vp, offset, True)
    exact = _zeros(n_groups, buf.dtype)
    as_float = _zeros(n_groups, np.float64)
    state = _zeros(n_groups, np.uint8)
    cdef numeric_t[::1] bv = buf
    cdef int64_t[::1] off = offsets
    cdef int64_t[::1] nn = nans
    cdef numeric_t[::1] ex = exact
    cdef double[::1] fl = as_float
    cdef uint8_t[::1] st = state
    cdef int nt = n_threads_for(n)
    with nogil:
        for g in prange(n_groups, schedule="dynamic", num_threads=nt):
            s = off[g]
            m = off[g + 1] - s
            if m == 0:
                if nn[g] > 0:
                    st[g] = 2
                continue
            st[g] = 1
            seg = &bv[s]
            pos = q * <double>(m - 1)
            lo_i = <int64_t>floor(pos)
            if lo_i > m - 1:
                lo_i = m - 1
            frac = pos - <double>lo_i
            hi_i = lo_i + 1 if frac > 0.0 and lo_i + 1 < m else lo_i
            if interpolation == 3:   # nearest, ties to even
                lo_i = <int64_t>nearbyint(pos)
                if lo_i > m - 1:
                    lo_i = m - 1
                hi_i = lo_i
            elif interpolation == 2:  # higher
                lo_i = hi_i
            _select_numbers(seg, m, lo_i)
            lo_v = seg[lo_i]
            if hi_i != lo_i:
                hi_v = _min_of(seg + lo_i + 1, m - lo_i - 1)
            else:
                hi_v = lo_v
            ex[g] = lo_v
            lo_f = <double>lo_v
            hi_f = <double>hi_v
            # pyarrow's formulas: no inf - inf, no overflow of hi - lo
            if interpolation == 0:
                fl[g] = (1.0 - frac) * lo_f + frac * hi_f if hi_i != lo_i else lo_f
            elif interpolation == 4:
                fl[g] = 0.5 * lo_f + 0.5 * hi_f if hi_i != lo_i else lo_f
            else:
                fl[g] = lo_f
    return exact, as_float, state


def group_top_k(const numeric_t[::1] values, const int64_t[::1] codes, int64_t n_groups,
                int64_t k, bint largest, valid=None, int64_t offset=0):
    """The ``k`` largest (descending) or smallest (ascending) non-null values of each group.

    NaN is above every number. Returns ``(values, offsets int64[n_groups + 1])``: group ``g``'s
    list is ``values[offsets[g]:offsets[g + 1]]`` (fewer than ``k`` when the group is smaller).
    """
    cdef int64_t n = values.shape[0], g, m, s, kk, j
    cdef const uint8_t* vp = _bits(valid)
    cdef numeric_t* seg
    _validate(n, codes, n_groups)
    if k < 0:
        raise ValueError(f"k must be >= 0, got {k}")
    buf, offsets, _ = _scatter(values, codes, n_groups, vp, offset, False)
    out_off = _zeros(n_groups + 1, np.int64)
    cdef int64_t[::1] oo = out_off
    cdef int64_t[::1] off = offsets
    for g in range(n_groups):
        oo[g + 1] = oo[g] + min(k, off[g + 1] - off[g])
    out = _empty(max(out_off[n_groups], 1), buf.dtype)
    cdef numeric_t[::1] bv = buf
    cdef numeric_t[::1] ov = out
    cdef int nt = n_threads_for(n)
    with nogil:
        for g in prange(n_groups, schedule="dynamic", num_threads=nt):
            s = off[g]
            m = off[g + 1] - s
            kk = k if k < m else m
            if kk == 0:
                continue
            seg = &bv[s]
            if largest:
                if kk < m:
                    _select(seg, m, m - kk)
                _sort(seg + (m - kk), kk)
                for j in range(kk):
                    ov[oo[g] + j] = seg[m - 1 - j]
            else:
                if kk < m:
                    _select(seg, m, kk - 1)
                _sort(seg, kk)
                for j in range(kk):
                    ov[oo[g] + j] = seg[j]
    return out[:out_off[n_groups]], out_off
