"""Window-function kernels: shift, cumulative, rolling (by row count and by period), ewm and rank.

Every kernel works on a *group layout* ``(order, offsets)`` as produced by
``groupby.group_order`` (optionally composed with an ``order_by`` permutation): the rows of group
``g`` are ``order[offsets[g]:offsets[g + 1]]``, in the order the window function walks them.
A *position* ``p`` is an index into ``order``; the row it stands for is ``order[p]``. Results are
written at the row (``out[order[p]]``), so they land back on the original rows and one call
handles every group. The whole-column case is the layout ``order = arange(n)``, ``offsets = [0, n]``.

Values are 1-D NumPy views of the Arrow data buffer, already sliced to the array's rows; the
validity bitmap (``uint8``, or ``None``) is read at bit ``offset + row``. Outputs are fresh arrays
plus, where a result can be null, a ``uint8`` flag per row (1 = valid); values under a null flag
are 0. Every loop runs without the GIL. Groups are walked serially (correctness first: the loops
are O(n) and memory-bound, and a group-parallel split would need per-thread deques).

Complexity: shift / cumulative / ewm O(n); rolling sum/mean/var/std O(n) with compensated running
sums (Neumaier for sums, Welford add/remove for the variance); rolling min/max O(n) with a
monotonic deque; period bounds O(n) with two pointers; rank O(n) after the caller's sort.

NaN is a value and propagates as IEEE arithmetic would (``nan_count`` > 0 in a window gives NaN;
``+inf`` and ``-inf`` together give NaN); nulls are skipped.
"""
import numpy as np

from libc.math cimport sqrt
from libc.stdint cimport int64_t, uint8_t, uint64_t

from frame._core.bitmap cimport get_bit
from frame._core.checked cimport add_i64, mul_i64, sub_i64
from frame._core.dtypes cimport numeric_t


# Operation codes (C enums for the kernels, re-exported as Python ints for the Python layer).
cdef enum:
    C_ROLL_SUM = 0
    C_ROLL_MEAN = 1
    C_ROLL_MIN = 2
    C_ROLL_MAX = 3
    C_ROLL_VAR = 4
    C_ROLL_STD = 5
    C_CUM_SUM = 0
    C_CUM_PROD = 1
    C_CUM_MIN = 2
    C_CUM_MAX = 3
    C_RANK_AVERAGE = 0
    C_RANK_MIN = 1
    C_RANK_MAX = 2
    C_RANK_DENSE = 3
    C_RANK_ORDINAL = 4

ROLL_SUM = C_ROLL_SUM
ROLL_MEAN = C_ROLL_MEAN
ROLL_MIN = C_ROLL_MIN
ROLL_MAX = C_ROLL_MAX
ROLL_VAR = C_ROLL_VAR
ROLL_STD = C_ROLL_STD
CUM_SUM = C_CUM_SUM
CUM_PROD = C_CUM_PROD
CUM_MIN = C_CUM_MIN
CUM_MAX = C_CUM_MAX
RANK_AVERAGE = C_RANK_AVERAGE
RANK_MIN = C_RANK_MIN
RANK_MAX = C_RANK_MAX
RANK_DENSE = C_RANK_DENSE
RANK_ORDINAL = C_RANK_ORDINAL


cdef inline const uint8_t* _bits(object valid):
    cdef const uint8_t[::1] mv
    if valid is None:
        return NULL
    mv = valid
    if mv.shape[0] == 0:
        return NULL
    return &mv[0]


cdef inline bint _valid(const uint8_t* vp, int64_t off, int64_t row) noexcept nogil:
    return vp == NULL or get_bit(vp, off + row)


def _check_layout(int64_t n, const int64_t[::1] order, const int64_t[::1] offsets):
    if order.shape[0] != n:
        raise ValueError(f"layout has {order.shape[0]} rows for {n} values")
    if offsets.shape[0] < 1 or offsets[0] != 0 or offsets[offsets.shape[0] - 1] != n:
        raise ValueError("offsets must start at 0 and end at the number of rows")


# ------------------------------------------------------------------------------------------------
# shift

def shift_indices(const int64_t[::1] order, const int64_t[::1] offsets, int64_t n):
    """Row taken by each row for ``shift(n)`` inside its group: ``int64[height]``, ``-1`` where
    the source falls outside the group (those rows get null or the fill value)."""
    cdef int64_t height = order.shape[0], ng = offsets.shape[0] - 1, g, p, s, e, src
    _check_layout(height, order, offsets)
    out = np.full(height, -1, dtype=np.int64)
    cdef int64_t[::1] o = out
    with nogil:
        for g in range(ng):
            s = offsets[g]
            e = offsets[g + 1]
            for p in range(s, e):
                src = p - n
                if s <= src < e:
                    o[order[p]] = order[src]
    return out


# ------------------------------------------------------------------------------------------------
# cumulative

def cum_count(valid, int64_t offset, const int64_t[::1] order, const int64_t[::1] offsets,
              bint reverse):
    """Number of non-null values so far in the group (never null): ``int64[height]``."""
    cdef int64_t height = order.shape[0], ng = offsets.shape[0] - 1, g, k, p, s, e, acc, row
    cdef const uint8_t* vp = _bits(valid)
    _check_layout(height, order, offsets)
    out = np.zeros(height, dtype=np.int64)
    cdef int64_t[::1] o = out
    with nogil:
        for g in range(ng):
            s = offsets[g]
            e = offsets[g + 1]
            acc = 0
            for k in range(e - s):
                p = e - 1 - k if reverse else s + k
                row = order[p]
                if _valid(vp, offset, row):
                    acc += 1
                o[row] = acc
    return out


cdef int64_t _cum_int(const numeric_t* v, const uint8_t* vp, int64_t off, const int64_t* order,
                      const int64_t* offsets, int64_t ng, bint reverse, int op,
                      int64_t* out, uint8_t* ok) noexcept nogil:
    """Integer running sum/product in int64; returns the row that overflows, or -1."""
    cdef int64_t g, k, p, s, e, row, acc, x
    cdef bint started
    for g in range(ng):
        s = offsets[g]
        e = offsets[g + 1]
        acc = 1 if op == C_CUM_PROD else 0
        for k in range(e - s):
            p = e - 1 - k if reverse else s + k
            row = order[p]
            if not _valid(vp, off, row):
                continue
            if numeric_t is uint64_t:
                if v[row] > <uint64_t>9223372036854775807:
                    return row
            x = <int64_t>v[row]
            if op == C_CUM_PROD:
                if mul_i64(acc, x, &acc):
                    return row
            else:
                if add_i64(acc, x, &acc):
                    return row
            out[row] = acc
            ok[row] = 1
    return -1


cdef void _cum_float(const numeric_t* v, const uint8_t* vp, int64_t off, const int64_t* order,
                     const int64_t* offsets, int64_t ng, bint reverse, int op,
                     numeric_t* out, uint8_t* ok) noexcept nogil:
    """Float running sum/product, accumulated in the input type (IEEE: NaN propagates)."""
    cdef int64_t g, k, p, s, e, row
    cdef numeric_t acc = 0
    cdef bint have
    for g in range(ng):
        s = offsets[g]
        e = offsets[g + 1]
        have = False
        for k in range(e - s):
            p = e - 1 - k if reverse else s + k
            row = order[p]
            if not _valid(vp, off, row):
                continue
            if not have:
                acc = v[row]  # not 0 + x: the sum of [-0.0] is -0.0
                have = True
            elif op == C_CUM_PROD:
                acc = acc * v[row]
            else:
                acc = acc + v[row]
            out[row] = acc
            ok[row] = 1


cdef void _cum_extreme(const numeric_t* v, const uint8_t* vp, int64_t off, const int64_t* order,
                       const int64_t* offsets, int64_t ng, bint reverse, bint want_max,
                       numeric_t* out, uint8_t* ok) noexcept nogil:
    """Running min/max in the input type; once a NaN is seen the result stays NaN."""
    cdef int64_t g, k, p, s, e, row
    cdef numeric_t acc = 0, x
    cdef bint have
    for g in range(ng):
        s = offsets[g]
        e = offsets[g + 1]
        have = False
        for k in range(e - s):
            p = e - 1 - k if reverse else s + k
            row = order[p]
            if not _valid(vp, off, row):
                continue
            x = v[row]
            if not have:
                acc = x
                have = True
            elif numeric_t is float or numeric_t is double:
                if acc == acc and (x != x or (want_max and x > acc) or (not want_max and x < acc)):
                    acc = x
            elif (want_max and x > acc) or (not want_max and x < acc):
                acc = x
            out[row] = acc
            ok[row] = 1


def cumulative(const numeric_t[::1] values, valid, int64_t offset, const int64_t[::1] order,
               const int64_t[::1] offsets, int op, bint reverse):
    """Running sum / product / min / max inside each group.

    Returns ``(out, ok)``: ``out`` is int64 for integer sums and products (raises
    ``OverflowError(row)`` when a value does not fit int64), else the input dtype; ``ok`` is 1
    where the result is valid (null rows stay null, the running value continues past them).
    """
    cdef int64_t height = values.shape[0], ng = offsets.shape[0] - 1, bad = -1
    cdef const uint8_t* vp = _bits(valid)
    cdef const numeric_t* vptr = NULL
    _check_layout(height, order, offsets)
    ok = np.zeros(height, dtype=np.uint8)
    cdef uint8_t[::1] okv = ok
    cdef int64_t[::1] oi
    cdef numeric_t[::1] of
    if height == 0:
        if (op == C_CUM_SUM or op == C_CUM_PROD) and not (numeric_t is float or numeric_t is double):
            return np.zeros(0, dtype=np.int64), ok
        return np.zeros(0, dtype=np.asarray(values).dtype), ok
    vptr = &values[0]
    if op == C_CUM_SUM or op == C_CUM_PROD:
        if numeric_t is float or numeric_t is double:
            out = np.zeros(height, dtype=np.asarray(values).dtype)
            of = out
            with nogil:
                _cum_float(vptr, vp, offset, &order[0], &offsets[0], ng, reverse, op, &of[0],
                           &okv[0])
        else:
            out = np.zeros(height, dtype=np.int64)
            oi = out
            with nogil:
                bad = _cum_int(vptr, vp, offset, &order[0], &offsets[0], ng, reverse, op, &oi[0],
                               &okv[0])
            if bad >= 0:
                raise OverflowError(bad)
        return out, ok
    if op != C_CUM_MIN and op != C_CUM_MAX:
        raise ValueError(f"unknown cumulative op {op}")
    out = np.zeros(height, dtype=np.asarray(values).dtype)
    of = out
    with nogil:
        _cum_extreme(vptr, vp, offset, &order[0], &offsets[0], ng, reverse, op == C_CUM_MAX,
                     &of[0], &okv[0])
    return out, ok


# ------------------------------------------------------------------------------------------------
# window bounds

def count_bounds(const int64_t[::1] offsets, int64_t left, int64_t right):
    """Windows of ``left`` positions before and ``right`` after each position, clipped to the
    group: ``(lo, hi)`` int64 per position, the window being positions ``[lo, hi)``."""
    cdef int64_t ng = offsets.shape[0] - 1, height = offsets[ng], g, p, s, e
    lo = np.empty(height, dtype=np.int64)
    hi = np.empty(height, dtype=np.int64)
    cdef int64_t[::1] lv = lo
    cdef int64_t[::1] hv = hi
    with nogil:
        for g in range(ng):
            s = offsets[g]
            e = offsets[g + 1]
            for p in range(s, e):
                lv[p] = p - left if p - left > s else s
                hv[p] = p + right + 1 if p + right + 1 < e else e
    return lo, hi


def period_bounds(const int64_t[::1] t, const int64_t[::1] order, const int64_t[::1] offsets,
                  int64_t max_back, bint closed_right):
    """Windows by period over the ascending time ``t`` (row-indexed, int64 ticks).

    The window of position ``p`` (time ``T``) holds the group's positions ``j`` with
    ``T - t[j] <= max_back`` and ``t[j] <= T`` (``closed_right``) or ``t[j] < T``; ``max_back``
    already encodes whether the left end is closed. Returns ``(lo, hi, bad)`` with ``bad`` the
    first position whose time is below its predecessor's (-1 when sorted).
    """
    cdef int64_t height = order.shape[0], ng = offsets.shape[0] - 1, g, p, s, e, a, b, T, lim
    cdef int64_t bad = -1
    cdef bint unbounded
    _check_layout(t.shape[0], order, offsets)
    lo = np.empty(height, dtype=np.int64)
    hi = np.empty(height, dtype=np.int64)
    cdef int64_t[::1] lv = lo
    cdef int64_t[::1] hv = hi
    with nogil:
        for g in range(ng):
            s = offsets[g]
            e = offsets[g + 1]
            for p in range(s + 1, e):
                if t[order[p]] < t[order[p - 1]]:
                    bad = p
                    break
            if bad >= 0:
                break
            a = s
            b = s
            for p in range(s, e):
                T = t[order[p]]
                unbounded = sub_i64(T, max_back, &lim)  # lim = T - max_back (no lower limit on overflow)
                if not unbounded:
                    while a < e and t[order[a]] < lim:
                        a += 1
                if b < a:
                    b = a
                if closed_right:
                    while b < e and t[order[b]] <= T:
                        b += 1
                else:
                    while b < e and t[order[b]] < T:
                        b += 1
                lv[p] = a
                hv[p] = b if b > a else a
    return lo, hi, bad


# ------------------------------------------------------------------------------------------------
# rolling aggregations over [lo, hi) windows

cdef struct RollState:
    int64_t count      # non-null values in the window (NaN and inf included)
    int64_t nan
    int64_t pinf
    int64_t ninf
    int64_t nfin       # finite values
    double s           # Neumaier sum of the finite values
    double c           # its compensation
    double mean        # Welford mean / m2 of the finite values
    double m2
    double last        # last finite value added, and how many equal values end the window
    int64_t same
    bint dirty         # a removal cancelled most of m2: recompute it from the window


cdef inline void _neumaier(RollState* st, double x) noexcept nogil:
    cdef double t = st.s + x
    if (st.s if st.s >= 0 else -st.s) >= (x if x >= 0 else -x):
        st.c += (st.s - t) + x
    else:
        st.c += (x - t) + st.s
    st.s = t


cdef inline void _roll_add(RollState* st, double x, bint moments) noexcept nogil:
    cdef double d
    st.count += 1
    if x != x:
        st.nan += 1
        return
    if x == 1.0 / 0.0:
        st.pinf += 1
        return
    if x == -1.0 / 0.0:
        st.ninf += 1
        return
    st.nfin += 1
    _neumaier(st, x)
    if moments:
        d = x - st.mean
        st.mean += d / st.nfin
        st.m2 += d * (x - st.mean)
        if st.nfin > 1 and x == st.last:
            st.same += 1
        else:
            st.same = 1
        st.last = x


cdef inline void _roll_remove(RollState* st, double x, bint moments) noexcept nogil:
    cdef double d, term
    st.count -= 1
    if x != x:
        st.nan -= 1
        return
    if x == 1.0 / 0.0:
        st.pinf -= 1
        return
    if x == -1.0 / 0.0:
        st.ninf -= 1
        return
    st.nfin -= 1
    if st.nfin == 0:
        st.s = 0
        st.c = 0
        st.mean = 0
        st.m2 = 0
        return
    _neumaier(st, -x)
    if moments:
        d = x - st.mean
        st.mean -= d / st.nfin
        term = d * (x - st.mean)
        st.m2 -= term
        # Welford's removal loses the digits of ``term`` that ``m2`` no longer has room for
        # (e.g. a 1e15 leaving a window of small values): recompute when it cancelled most of m2.
        if term > 1e6 * st.m2 or st.m2 < 0:
            st.dirty = True


cdef void _recompute_moments(RollState* st, const numeric_t* v, const uint8_t* vp, int64_t off,
                             const int64_t* order, int64_t a, int64_t b) noexcept nogil:
    """Two-pass mean and m2 of the finite values at positions ``[a, b)``."""
    cdef int64_t j, row, n = 0
    cdef double x, total = 0, mean, d, m2 = 0
    for j in range(a, b):
        row = order[j]
        if _valid(vp, off, row):
            x = <double>v[row]
            if x - x == 0:  # finite
                total += x
                n += 1
    if n == 0:
        st.mean = 0
        st.m2 = 0
        st.dirty = False
        return
    mean = total / n
    for j in range(a, b):
        row = order[j]
        if _valid(vp, off, row):
            x = <double>v[row]
            if x - x == 0:
                d = x - mean
                m2 += d * d
    st.mean = mean
    st.m2 = m2
    st.dirty = False


cdef inline double _roll_sum(RollState* st) noexcept nogil:
    if st.nan > 0 or (st.pinf > 0 and st.ninf > 0):
        return 0.0 / 0.0
    if st.pinf > 0:
        return 1.0 / 0.0
    if st.ninf > 0:
        return -1.0 / 0.0
    return st.s + st.c


cdef void _rolling_moments(const numeric_t* v, const uint8_t* vp, int64_t off,
                           const int64_t* order, const int64_t* offsets, int64_t ng,
                           const int64_t* lo, const int64_t* hi, int op, int64_t min_samples,
                           int64_t ddof, double* out, uint8_t* ok) noexcept nogil:
    cdef int64_t g, s, e, p, a, b, row
    cdef RollState st
    cdef bint moments = op == C_ROLL_VAR or op == C_ROLL_STD
    cdef double r, var
    for g in range(ng):
        s = offsets[g]
        e = offsets[g + 1]
        st.count = 0
        st.nan = 0
        st.pinf = 0
        st.ninf = 0
        st.nfin = 0
        st.s = 0
        st.c = 0
        st.mean = 0
        st.m2 = 0
        st.last = 0
        st.same = 0
        st.dirty = False
        a = s
        b = s
        for p in range(s, e):
            while b < hi[p]:
                row = order[b]
                if _valid(vp, off, row):
                    _roll_add(&st, <double>v[row], moments)
                b += 1
            while a < lo[p]:
                row = order[a]
                if _valid(vp, off, row):
                    _roll_remove(&st, <double>v[row], moments)
                a += 1
            if st.dirty:
                _recompute_moments(&st, v, vp, off, order, a, b)
            row = order[p]
            if st.count < min_samples or st.count == 0:
                continue
            if op == C_ROLL_SUM:
                r = _roll_sum(&st)
            elif op == C_ROLL_MEAN:
                r = _roll_sum(&st)
                if st.nan == 0 and st.pinf == 0 and st.ninf == 0:
                    r = r / st.count
            else:
                if st.count <= ddof:
                    continue
                if st.nan > 0 or st.pinf > 0 or st.ninf > 0:
                    r = 0.0 / 0.0
                else:
                    if st.same >= st.nfin:
                        var = 0.0  # every value in the window is equal (pandas does the same)
                    else:
                        var = st.m2 / (st.nfin - ddof)
                        if var < 0:
                            var = 0.0
                    r = sqrt(var) if op == C_ROLL_STD else var
            out[row] = r
            ok[row] = 1


cdef void _rolling_extreme(const numeric_t* v, const uint8_t* vp, int64_t off,
                           const int64_t* order, const int64_t* offsets, int64_t ng,
                           const int64_t* lo, const int64_t* hi, bint want_max,
                           int64_t min_samples, int64_t* deque, double* out,
                           uint8_t* ok) noexcept nogil:
    """Monotonic deque of positions (values strictly improving from front to back)."""
    cdef int64_t g, s, e, p, a, b, row, head, tail, count, nan
    cdef double x, y
    for g in range(ng):
        s = offsets[g]
        e = offsets[g + 1]
        head = 0
        tail = 0
        count = 0
        nan = 0
        a = s
        b = s
        for p in range(s, e):
            while b < hi[p]:
                row = order[b]
                if _valid(vp, off, row):
                    count += 1
                    x = <double>v[row]
                    if x != x:
                        nan += 1
                    else:
                        while tail > head:
                            y = <double>v[order[deque[tail - 1]]]
                            if (want_max and y <= x) or (not want_max and y >= x):
                                tail -= 1
                            else:
                                break
                        deque[tail] = b
                        tail += 1
                b += 1
            while a < lo[p]:
                row = order[a]
                if _valid(vp, off, row):
                    count -= 1
                    x = <double>v[row]
                    if x != x:
                        nan -= 1
                    elif tail > head and deque[head] == a:
                        head += 1
                a += 1
            if count < min_samples or count == 0:
                continue
            row = order[p]
            if nan > 0:
                out[row] = 0.0 / 0.0
            else:
                out[row] = <double>v[order[deque[head]]]
            ok[row] = 1


def rolling(const numeric_t[::1] values, valid, int64_t offset, const int64_t[::1] order,
            const int64_t[::1] offsets, const int64_t[::1] lo, const int64_t[::1] hi, int op,
            int64_t min_samples, int64_t ddof=1):
    """Aggregate of the non-null values in positions ``[lo[p], hi[p])`` of each position's
    group, written at row ``order[p]``: ``(float64 out, uint8 ok)``. ``lo``/``hi`` must be
    non-decreasing inside each group. Null when fewer than ``min_samples`` values (and, for the
    variance, when there are ``ddof`` or fewer)."""
    cdef int64_t height = values.shape[0], ng = offsets.shape[0] - 1
    cdef const uint8_t* vp = _bits(valid)
    _check_layout(height, order, offsets)
    if lo.shape[0] != height or hi.shape[0] != height:
        raise ValueError("lo/hi must have one entry per position")
    out = np.zeros(height, dtype=np.float64)
    ok = np.zeros(height, dtype=np.uint8)
    if height == 0:
        return out, ok
    cdef double[::1] ov = out
    cdef uint8_t[::1] okv = ok
    cdef int64_t[::1] dq
    if op == C_ROLL_MIN or op == C_ROLL_MAX:
        deque = np.empty(height, dtype=np.int64)
        dq = deque
        with nogil:
            _rolling_extreme(&values[0], vp, offset, &order[0], &offsets[0], ng, &lo[0], &hi[0],
                             op == C_ROLL_MAX, min_samples, &dq[0], &ov[0], &okv[0])
    elif op in (C_ROLL_SUM, C_ROLL_MEAN, C_ROLL_VAR, C_ROLL_STD):
        with nogil:
            _rolling_moments(&values[0], vp, offset, &order[0], &offsets[0], ng, &lo[0], &hi[0],
                             op, min_samples, ddof, &ov[0], &okv[0])
    else:
        raise ValueError(f"unknown rolling op {op}")
    return out, ok


# ------------------------------------------------------------------------------------------------
# exponentially weighted mean

def ewm_mean(const numeric_t[::1] values, valid, int64_t offset, const int64_t[::1] order,
             const int64_t[::1] offsets, double alpha, bint adjust, int64_t min_samples,
             bint ignore_nulls):
    """pandas' ``ewm(alpha=..., adjust=..., ignore_na=...).mean()`` recurrence inside each group
    (``pandas/_libs/window/aggregations.pyx`` ``ewm``): null rows stay null, rows with fewer than
    ``min_samples`` values so far are null. Returns ``(float64 out, uint8 ok)``."""
    cdef int64_t height = values.shape[0], ng = offsets.shape[0] - 1, g, s, e, p, row, nobs
    cdef const uint8_t* vp = _bits(valid)
    cdef double old_wt_factor = 1.0 - alpha, new_wt = 1.0 if adjust else alpha
    cdef double old_wt, weighted = 0, cur
    cdef bint have
    _check_layout(height, order, offsets)
    out = np.zeros(height, dtype=np.float64)
    ok = np.zeros(height, dtype=np.uint8)
    if height == 0:
        return out, ok
    cdef double[::1] ov = out
    cdef uint8_t[::1] okv = ok
    with nogil:
        for g in range(ng):
            s = offsets[g]
            e = offsets[g + 1]
            have = False
            nobs = 0
            old_wt = 1.0
            weighted = 0.0
            for p in range(s, e):
                row = order[p]
                if not _valid(vp, offset, row):
                    if have and not ignore_nulls:
                        old_wt *= old_wt_factor
                    continue
                cur = <double>values[row]
                nobs += 1
                if have:
                    old_wt *= old_wt_factor
                    if weighted != cur:
                        weighted = (old_wt * weighted + new_wt * cur) / (old_wt + new_wt)
                    if adjust:
                        old_wt += new_wt
                    else:
                        old_wt = 1.0
                else:
                    weighted = cur
                    have = True
                if nobs >= min_samples:
                    ov[row] = weighted
                    okv[row] = 1
    return out, ok


# ------------------------------------------------------------------------------------------------
# rank

def rank_runs(const int64_t[::1] sorted_rows, const int64_t[::1] offsets,
              const uint64_t[::1] codes, valid, int64_t offset, int method):
    """Ranks from rows sorted by (group, code) with ties in walking order.

    ``sorted_rows[offsets[g]:offsets[g + 1]]`` are group ``g``'s rows sorted by their
    order-preserving ``codes`` (stable); null rows are skipped (they stay null and take no rank).
    Returns ``(float64 ranks, uint8 ok)``.
    """
    cdef int64_t height = sorted_rows.shape[0], ng = offsets.shape[0] - 1
    cdef int64_t g, s, e, p, q, r, rank_base, dense, run_end, row
    cdef const uint8_t* vp = _bits(valid)
    cdef double val
    _check_layout(height, sorted_rows, offsets)
    out = np.zeros(height, dtype=np.float64)
    ok = np.zeros(height, dtype=np.uint8)
    if height == 0:
        return out, ok
    cdef double[::1] ov = out
    cdef uint8_t[::1] okv = ok
    with nogil:
        for g in range(ng):
            s = offsets[g]
            e = offsets[g + 1]
            rank_base = 0  # ranks taken by earlier (non-null) runs
            dense = 0
            p = s
            while p < e:
                if not _valid(vp, offset, sorted_rows[p]):
                    p += 1
                    continue
                # the run of equal codes (among non-null rows) starting at p
                q = p + 1
                run_end = p + 1
                while q < e:
                    if not _valid(vp, offset, sorted_rows[q]):
                        q += 1
                        continue
                    if codes[sorted_rows[q]] != codes[sorted_rows[p]]:
                        break
                    q += 1
                    run_end = q
                dense += 1
                r = 0
                for q in range(p, run_end):
                    if not _valid(vp, offset, sorted_rows[q]):
                        continue
                    r += 1
                for q in range(p, run_end):
                    row = sorted_rows[q]
                    if not _valid(vp, offset, row):
                        continue
                    if method == C_RANK_AVERAGE:
                        val = rank_base + (r + 1) / 2.0
                    elif method == C_RANK_MIN:
                        val = rank_base + 1
                    elif method == C_RANK_MAX:
                        val = rank_base + r
                    elif method == C_RANK_DENSE:
                        val = dense
                    else:
                        rank_base += 1
                        val = rank_base
                    ov[row] = val
                    okv[row] = 1
                if method != C_RANK_ORDINAL:
                    rank_base += r
                p = run_end
    return out, ok
