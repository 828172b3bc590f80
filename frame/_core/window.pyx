"""Window-function kernels: shift, cumulative, rolling (by row count and by period), ewm and rank.

A window function walks the rows of each group in *walking order* and gives every row a value.
The Python layer always arranges for walking order to be frame order (``over(order_by=...)``
permutes the rows first), so a group is described by the rows' group ``codes`` (int64, each in
``0 .. n_groups - 1``, the Python layer's grouping guarantees it), or ``codes=None`` for one group
holding every row. Two families of kernels read that description:

* **Streaming kernels** (``cumulative``, ``cum_count``, ``shift_indices``, ``ewm_mean``,
  ``rolling_count``) walk the rows once, in row order (backwards for ``reverse`` / negative
  shifts), keeping a small state per group (a running value; for shifts and row-count windows a
  ring of the group's last ``w`` positions). Reads and writes are sequential and the per-group
  state is ``O(n_groups * w)``, which is why no group layout is built at all: a counting sort plus
  a gather/scatter through it cost several times the whole kernel (see "Measured" below). These
  kernels are serial: an exact running float sum has to see a group's rows in order, and a split
  of the groups between threads that each write their own rows would interleave both threads'
  writes in every cache line of the output.
* **Layout kernels** (``shift_indices_layout``, ``rolling``, ``period_bounds``, ``rank_runs``)
  take the group layout ``(order, offsets)`` of ``groupby.group_order``: the rows of group ``g``
  are ``order[offsets[g]:offsets[g + 1]]``; a *position* ``p`` indexes ``order`` (``order=None``:
  one group, position = row). They serve windows whose bounds are not a fixed row count (periods,
  ranks) and row-count windows too wide for a ring per group. They run on blocks of whole groups
  (``_group_blocks``): every block is a contiguous range of group ids handled by one OpenMP
  thread, writing only its groups' rows, with no shared mutable state, so the result does not
  depend on the thread count.

Values are 1-D NumPy views of the Arrow data buffer, already sliced to the array's rows; the
validity bitmap (``uint8``, or ``None``) is read at bit ``offset + row``. Outputs are fresh arrays
plus, where a result can be null, a ``uint8`` flag per row (1 = valid); values under a null flag
are 0. Every loop runs without the GIL.

Complexity: all O(n) (rank: O(n) after the caller's sort); rolling sum/mean/var/std keep
compensated running sums (Neumaier for sums, Welford add/remove for the variance); rolling min/max
a monotonic deque; period bounds two pointers.

NaN is a value and propagates as IEEE arithmetic would (``nan_count`` > 0 in a window gives NaN;
``+inf`` and ``-inf`` together give NaN); nulls are skipped. Both kernel families apply the same
per-row steps (``_roll_add`` / ``_roll_remove`` / ``_moments_result``, ...) in the same order, so
they give the same bits.

Measured (1e7 float64 rows, 1e5 groups, 2 shared cores, perf): when every kernel walked the
layout, ``over`` paid 0.12-0.19 s for ``group_order`` before any kernel ran, and the kernels
read ``v[order[p]]`` and wrote ``out[order[p]]`` inside data-dependent loops, one cache miss at a
time: cum_sum 0.47 s, rolling_mean(5) 1.3 s (two thirds stalled on that gather), rank 2.8 s
(a NumPy timsort of the codes, 1.5 s, and ``rank_runs`` reading ``codes[rows[p]]`` in its run
scan). Streaming, the same cum_sum kernel takes 0.04 s; rolling_mean(5) 0.2-0.3 s (per-group
blocks prefetched ``_AHEAD`` rows early, branch-free compensation); rank is one radix argsort by
(group, code) in ``sort.pyx`` plus the three-pass ``rank_runs``.

Rolling and ewm compute in double: their wrappers convert the values once (``_doubles``), so
each of those kernels is compiled once, not once per input type (ten copies of every kernel
also exhausted GCC's inlining budget and left the per-row steps as calls).
"""
import numpy as np

from cython.parallel cimport prange
from libc.math cimport sqrt
from libc.stdint cimport int64_t, uint8_t, uint64_t
from libc.string cimport memcpy

from frame._core.bitmap cimport get_bit, popcount64
from frame._core.buffer cimport OwnedBuffer, allocate
from frame._core.checked cimport add_i64, mul_i64, sub_i64
from frame._core.dtypes cimport numeric_t
from frame._core.parallel cimport n_threads_for


cdef extern from *:
    """
    #if defined(__GNUC__) || defined(__clang__)
    #define FRAME_PREFETCH_W(p) __builtin_prefetch((const void*)(p), 1, 3)
    #else
    #define FRAME_PREFETCH_W(p) ((void)(p))
    #endif
    """
    # Ask for the cache line at ``p`` (to be written): the streaming kernels touch one group's
    # state per row, at random in a table of ``n_groups`` entries, and prefetch it a few rows
    # ahead so the misses overlap instead of stalling each row in turn.
    void prefetch_w "FRAME_PREFETCH_W"(const void* p) noexcept nogil


cdef extern from *:
    """
    #include <math.h>
    #include <stdint.h>
    #include <string.h>
    #if defined(__SSE2__)
    #include <emmintrin.h>
    #endif
    /* Neumaier's compensation term for t = s + x: |s| >= |x| ? (s - t) + x : (x - t) + s, with
       the operands picked without a branch (the comparison is a coin toss on real data). */
    static inline double frame_neumaier_term(double s, double x, double t) {
        double big, small;
    #if defined(__SSE2__)
        __m128d vs = _mm_set_sd(s), vx = _mm_set_sd(x);
        __m128d absmask = _mm_castsi128_pd(_mm_set1_epi64x(0x7fffffffffffffffLL));
        __m128d m = _mm_cmpge_sd(_mm_and_pd(vs, absmask), _mm_and_pd(vx, absmask));
        big = _mm_cvtsd_f64(_mm_or_pd(_mm_and_pd(m, vs), _mm_andnot_pd(m, vx)));
        small = _mm_cvtsd_f64(_mm_or_pd(_mm_and_pd(m, vx), _mm_andnot_pd(m, vs)));
    #else
        uint64_t us, ux, m = (uint64_t)0 - (uint64_t)(fabs(s) >= fabs(x)), r;
        memcpy(&us, &s, 8);
        memcpy(&ux, &x, 8);
        r = (us & m) | (ux & ~m);
        memcpy(&big, &r, 8);
        r = (ux & m) | (us & ~m);
        memcpy(&small, &r, 8);
    #endif
        return (big - t) + small;
    }
    """
    double neumaier_term "frame_neumaier_term"(double s, double x, double t) noexcept nogil


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

#: Groups per layout block target: ``_BLOCKS_PER_THREAD`` blocks per thread (dynamic schedule),
#: so a few big groups do not leave a thread idle.
cdef int64_t _BLOCKS_PER_THREAD = 8
#: A ring of ``n_groups * width`` slots is used while it holds at most this many slots more than
#: the rows (see ``ring_fits``).
cdef int64_t _RING_SLACK = 1 << 16
#: How many rows ahead the streaming rolling kernels prefetch a group's block (state and rings).
cdef enum:
    _AHEAD = 32
#: Per-group tables up to this size stay in L2 (1 MiB per core here, 512 KiB on most x86 cores):
#: no prefetching below it, it would only add instructions.
cdef int64_t _L2_BYTES = 512 << 10


# ------------------------------------------------------------------------------------------------
# arguments, allocation, blocks

def _empty(int64_t n, dtype):
    """Uninitialised array on a recycled ``OwnedBuffer`` block (a fresh 80 MB output would fault
    in and zero every page on every call; see ``buffer.pyx``)."""
    dtype = np.dtype(dtype)
    return np.frombuffer(allocate(n * dtype.itemsize, False), dtype=dtype)


def _zeros(int64_t n, dtype):
    dtype = np.dtype(dtype)
    return np.frombuffer(allocate(n * dtype.itemsize, True), dtype=dtype)


cdef const double[::1] _doubles(object values):
    """The values as float64, a view when they already are: the ewm and rolling kernels
    compute in double (as ``<double>x`` would, so the bits are the same), and one copy per call
    costs less than ten compiled copies of every kernel (one per input type), which also kept
    GCC from inlining the per-row steps."""
    return np.ascontiguousarray(values, dtype=np.float64)


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


cdef inline int64_t _row(const int64_t* order, int64_t p) noexcept nogil:
    return p if order == NULL else order[p]


cdef const int64_t* _codes_arg(object codes, int64_t height, int64_t n_groups) except? NULL:
    """The codes' data (NULL for ``None``: one group of every row), after the shape checks."""
    cdef const int64_t[::1] mv
    if n_groups < 0:
        raise ValueError(f"n_groups must be >= 0, got {n_groups}")
    if codes is None:
        if n_groups != 1:
            raise ValueError("codes=None stands for one group: n_groups must be 1")
        return NULL
    mv = codes
    if mv.shape[0] != height:
        raise ValueError(f"{mv.shape[0]} codes for {height} rows")
    if height == 0:
        return NULL
    if n_groups == 0:
        raise ValueError("rows without groups: n_groups is 0")
    return &mv[0]


cdef const int64_t* _order_arg(object order, int64_t height) except? NULL:
    """The layout's order (NULL for ``None``: positions are rows)."""
    cdef const int64_t[::1] mv
    if order is None:
        return NULL
    mv = order
    if mv.shape[0] != height:
        raise ValueError(f"layout has {mv.shape[0]} rows for {height} values")
    if height == 0:
        return NULL
    return &mv[0]


cdef int64_t _check_offsets(int64_t height, const int64_t[::1] offsets) except -1:
    """The number of groups, after checking that the offsets span ``height`` rows."""
    if offsets.shape[0] < 1 or offsets[0] != 0 or offsets[offsets.shape[0] - 1] != height:
        raise ValueError("offsets must start at 0 and end at the number of rows")
    return offsets.shape[0] - 1


cpdef bint ring_fits(int64_t n_groups, int64_t width, int64_t height) noexcept:
    """True when a ring of ``width`` slots per group (``n_groups * width`` in all) stays within
    ``height + 65536`` slots, so a streaming kernel's state is at most about as big as its
    output; wider windows over many groups take the layout kernels."""
    if n_groups <= 0 or width <= 0:
        return True
    return width <= (height + _RING_SLACK) // n_groups


def _group_blocks(const int64_t[::1] offsets, int nt):
    """Cut the groups into blocks of whole groups holding about equal numbers of rows:
    ``bounds`` (int64, ``bounds[0] = 0``, last = n_groups); one block when ``nt == 1``."""
    cdef int64_t ng = offsets.shape[0] - 1, height = offsets[ng], k, j, g = 0, target, last = 0
    cdef int64_t[::1] bv
    if nt <= 1 or ng <= 1 or height == 0:
        return np.array([0, max(ng, 0)], dtype=np.int64)
    k = min(<int64_t>nt * _BLOCKS_PER_THREAD, ng)
    bounds = np.empty(k + 1, dtype=np.int64)
    bv = bounds
    bv[0] = 0
    cdef int64_t nb = 1
    for j in range(1, k):
        target = (height * j) // k
        while g < ng and offsets[g] < target:
            g += 1
        if g > last and g < ng:
            bv[nb] = g
            nb += 1
            last = g
    bv[nb] = ng
    return bounds[:nb + 1].copy()


def first_rows(const int64_t[::1] codes, int64_t n_groups):
    """First row of every group (``-1`` for a group without rows): ``int64[n_groups]``."""
    cdef int64_t height = codes.shape[0], i
    if n_groups < 0:
        raise ValueError(f"n_groups must be >= 0, got {n_groups}")
    out = np.full(n_groups, -1, dtype=np.int64)
    cdef int64_t[::1] o = out
    if height and n_groups == 0:
        raise ValueError("rows without groups: n_groups is 0")
    with nogil:
        for i in range(height - 1, -1, -1):
            o[codes[i]] = i
    return out


def pack_validity(const uint8_t[::1] ok):
    """``(bitmap, null_count)`` for one 0/1 flag per row (the kernels' ``ok``): the Arrow
    validity bitmap (LSB first, an ``OwnedBuffer``), or ``(None, 0)`` when every row is valid.
    One pass, eight flags per multiply, instead of NumPy's ``all``, ``~`` and pyarrow's
    mask-to-bitmap passes."""
    cdef int64_t n = ok.shape[0], i, k, ones = 0
    cdef uint64_t word
    cdef OwnedBuffer buf = allocate((n + 7) // 8, False)
    cdef uint8_t* bits = buf.data
    cdef uint8_t tail = 0
    with nogil:
        for i in range(n // 8):
            memcpy(&word, &ok[8 * i], 8)
            ones += popcount64(word)  # bytes of 0 and 1: one set bit per valid row
            bits[i] = <uint8_t>((word * <uint64_t>0x0102040810204080) >> 56)
        for k in range(8 * (n // 8), n):
            if ok[k]:
                tail |= <uint8_t>(1 << (k & 7))
                ones += 1
        if n % 8:
            bits[n // 8] = tail
    if ones == n:
        return None, 0
    return buf, n - ones


# ------------------------------------------------------------------------------------------------
# shift

cdef void _shift_stream(const int64_t* codes, int64_t height, int64_t n, int64_t* ring,
                        int64_t* slot, int64_t* out) noexcept nogil:
    """``out[row]`` = the row ``|n|`` rows earlier (``n > 0``) or later in the row's group, from
    a ring of each group's last ``|n|`` rows (initialised to -1: the first ``|n|`` rows of a
    group have no source)."""
    cdef int64_t m = n if n > 0 else -n, k, i, c, s, j
    for k in range(height):
        i = k if n > 0 else height - 1 - k
        c = codes[i]
        if m == 1:
            out[i] = ring[c]
            ring[c] = i
        else:
            s = slot[c]
            j = c * m + s
            out[i] = ring[j]
            ring[j] = i
            s += 1
            if s == m:
                s = 0
            slot[c] = s


def shift_indices(codes, int64_t n_groups, int64_t height, int64_t n):
    """Row taken by each row for ``shift(n)`` inside its group: ``int64[height]``, ``-1`` where
    the source falls outside the group (those rows get null or the fill value). Streaming; the
    caller checks ``ring_fits(n_groups, abs(n), height)`` (else ``shift_indices_layout``)."""
    cdef const int64_t* cp = _codes_arg(codes, height, n_groups)
    cdef int64_t m = n if n >= 0 else -n, i
    if codes is not None and m < height and not ring_fits(n_groups, m, height):
        raise ValueError(f"a ring of {m} rows per group is too big: use shift_indices_layout")
    if n == 0:
        return np.arange(height, dtype=np.int64)
    out = _empty(height, np.int64)
    cdef int64_t[::1] o = out
    if height == 0:
        return out
    if m >= height:
        o[:] = -1
        return out
    if cp == NULL:
        with nogil:
            for i in range(height):
                o[i] = i - n if 0 <= i - n < height else -1
        return out
    ring = np.full(n_groups * m, -1, dtype=np.int64)
    slot = _zeros(n_groups if m > 1 else 1, np.int64)
    cdef int64_t[::1] rv = ring
    cdef int64_t[::1] sv = slot
    with nogil:
        _shift_stream(cp, height, n, &rv[0], &sv[0], &o[0])
    return out


cdef void _shift_layout(const int64_t* order, const int64_t* offsets, int64_t g0, int64_t g1,
                        int64_t n, int64_t* out) noexcept nogil:
    cdef int64_t g, p, s, e, src
    for g in range(g0, g1):
        s = offsets[g]
        e = offsets[g + 1]
        for p in range(s, e):
            src = p - n
            out[_row(order, p)] = _row(order, src) if s <= src < e else -1


def shift_indices_layout(order, const int64_t[::1] offsets, int64_t n):
    """``shift_indices`` over a group layout (any ``n``; parallel over blocks of groups)."""
    cdef int64_t height = offsets[offsets.shape[0] - 1] if offsets.shape[0] else 0, b, nb
    cdef int64_t ng = _check_offsets(height, offsets)
    cdef const int64_t* op = _order_arg(order, height)
    cdef int nt = n_threads_for(height)
    out = _empty(height, np.int64)
    if height == 0:
        return out
    cdef int64_t[::1] o = out
    cdef const int64_t[::1] gb = _group_blocks(offsets, nt)
    nb = gb.shape[0] - 1
    with nogil:
        if nb == 1:
            _shift_layout(op, &offsets[0], 0, ng, n, &o[0])
        else:
            for b in prange(nb, schedule="dynamic", num_threads=nt):
                _shift_layout(op, &offsets[0], gb[b], gb[b + 1], n, &o[0])
    return out


# ------------------------------------------------------------------------------------------------
# cumulative (streaming)

def cum_count(valid, int64_t offset, codes, int64_t n_groups, int64_t height, bint reverse):
    """Number of non-null values so far in the group (never null): ``int64[height]``."""
    cdef const int64_t* cp = _codes_arg(codes, height, n_groups)
    cdef const uint8_t* vp = _bits(valid)
    cdef int64_t k, i, c, acc = 0
    out = _empty(height, np.int64)
    if height == 0:
        return out
    cdef int64_t[::1] o = out
    state = _zeros(n_groups, np.int64)
    cdef int64_t[::1] st = state
    with nogil:
        if cp == NULL:
            for k in range(height):
                i = height - 1 - k if reverse else k
                if _valid(vp, offset, i):
                    acc = acc + 1
                o[i] = acc
        else:
            for k in range(height):
                i = height - 1 - k if reverse else k
                c = cp[i]
                if _valid(vp, offset, i):
                    st[c] = st[c] + 1
                o[i] = st[c]
    return out


cdef inline bint _cum_int_step(int64_t* acc, numeric_t x, bint prod) noexcept nogil:
    """``acc (+|*)= x`` in int64; True when it overflows (a uint64 above INT64_MAX included)."""
    if numeric_t is uint64_t:
        if x > <uint64_t>9223372036854775807:
            return True
    if prod:
        return mul_i64(acc[0], <int64_t>x, acc)
    return add_i64(acc[0], <int64_t>x, acc)


cdef int64_t _cum_int(const numeric_t* v, const uint8_t* vp, int64_t off, const int64_t* codes,
                      int64_t n, bint reverse, bint prod, int64_t* accs, int64_t* out,
                      uint8_t* ok) noexcept nogil:
    """Running int64 sum/product; returns the row that overflows first in (group, walking)
    order -- the row a group-by-group walk stops at -- or -1."""
    cdef int64_t k, i, c, acc = 1 if prod else 0, bad_group = -1, bad_row = -1
    for k in range(n):
        i = n - 1 - k if reverse else k
        out[i] = 0
        ok[i] = 0
        if not _valid(vp, off, i):
            continue
        if codes == NULL:
            if _cum_int_step(&acc, v[i], prod):
                return i
            out[i] = acc
        else:
            c = codes[i]
            if _cum_int_step(&accs[c], v[i], prod):
                if bad_group < 0 or c < bad_group:  # later rows of that group: never reported
                    bad_group = c
                    bad_row = i
                continue
            out[i] = accs[c]
        ok[i] = 1
    return bad_row


cdef inline void _cum_float_step(numeric_t* acc, uint8_t* have, numeric_t x,
                                 bint prod) noexcept nogil:
    if not have[0]:
        acc[0] = x  # not 0 + x: the sum of [-0.0] is -0.0
        have[0] = 1
    elif prod:
        acc[0] = acc[0] * x
    else:
        acc[0] = acc[0] + x


cdef inline void _cum_extreme_step(numeric_t* acc, uint8_t* have, numeric_t x,
                                   bint want_max) noexcept nogil:
    """Running min/max; once a NaN is seen the result stays NaN."""
    if not have[0]:
        acc[0] = x
        have[0] = 1
    elif numeric_t is float or numeric_t is double:
        if acc[0] == acc[0] and (x != x or (want_max and x > acc[0])
                                 or (not want_max and x < acc[0])):
            acc[0] = x
    elif (want_max and x > acc[0]) or (not want_max and x < acc[0]):
        acc[0] = x


cdef void _cum_same_type(const numeric_t* v, const uint8_t* vp, int64_t off,
                         const int64_t* codes, int64_t n, bint reverse, int op, numeric_t* accs,
                         uint8_t* haves, numeric_t* out, uint8_t* ok) noexcept nogil:
    """Float sum/product (accumulated in the input type: IEEE, NaN propagates) and min/max of
    every type, in the input type."""
    cdef int64_t k, i, c
    cdef numeric_t acc = 0
    cdef uint8_t have = 0
    for k in range(n):
        i = n - 1 - k if reverse else k
        if not _valid(vp, off, i):
            out[i] = 0
            ok[i] = 0
            continue
        if codes == NULL:
            if op == C_CUM_SUM or op == C_CUM_PROD:
                _cum_float_step(&acc, &have, v[i], op == C_CUM_PROD)
            else:
                _cum_extreme_step(&acc, &have, v[i], op == C_CUM_MAX)
            out[i] = acc
        else:
            c = codes[i]
            if op == C_CUM_SUM or op == C_CUM_PROD:
                _cum_float_step(&accs[c], &haves[c], v[i], op == C_CUM_PROD)
            else:
                _cum_extreme_step(&accs[c], &haves[c], v[i], op == C_CUM_MAX)
            out[i] = accs[c]
        ok[i] = 1


def cumulative(const numeric_t[::1] values, valid, int64_t offset, codes, int64_t n_groups,
               int op, bint reverse):
    """Running sum / product / min / max inside each group (streaming).

    Returns ``(out, ok)``: ``out`` is int64 for integer sums and products (raises
    ``OverflowError(row)`` when a value does not fit int64: the first overflowing row of the
    lowest group id that overflows), else the input dtype; ``ok`` is 1 where the result is valid
    (null rows stay null, the running value continues past them).
    """
    cdef int64_t height = values.shape[0], bad = -1
    cdef const int64_t* cp = _codes_arg(codes, height, n_groups)
    cdef const uint8_t* vp = _bits(valid)
    cdef bint arith = op == C_CUM_SUM or op == C_CUM_PROD
    cdef bint as_int = arith and not (numeric_t is float or numeric_t is double)
    if op not in (C_CUM_SUM, C_CUM_PROD, C_CUM_MIN, C_CUM_MAX):
        raise ValueError(f"unknown cumulative op {op}")
    dtype = np.int64 if as_int else np.asarray(values).dtype
    out = _empty(height, dtype)
    ok = _empty(height, np.uint8)
    if height == 0:
        return out, ok
    cdef uint8_t[::1] okv = ok
    cdef int64_t[::1] oi
    cdef numeric_t[::1] of
    cdef int64_t[::1] ai
    cdef numeric_t[::1] af
    cdef uint8_t[::1] hv
    if as_int:
        oi = out
        accs = np.full(n_groups, 1 if op == C_CUM_PROD else 0, dtype=np.int64)
        ai = accs
        with nogil:
            bad = _cum_int(&values[0], vp, offset, cp, height, reverse, op == C_CUM_PROD,
                           &ai[0], &oi[0], &okv[0])
        if bad >= 0:
            raise OverflowError(bad)
        return out, ok
    of = out
    accs = _zeros(n_groups, dtype)
    haves = _zeros(n_groups, np.uint8)
    af = accs
    hv = haves
    with nogil:
        _cum_same_type(&values[0], vp, offset, cp, height, reverse, op, &af[0], &hv[0], &of[0],
                       &okv[0])
    return out, ok


# ------------------------------------------------------------------------------------------------
# exponentially weighted mean (streaming)

cdef struct EwmState:
    double old_wt
    double weighted
    int64_t nobs
    bint have


cdef inline double _nan_first(double b, double a) noexcept nogil:
    """``b + a``, where two NaNs give ``b``'s. x86 keeps the NaN of the first operand, and which
    operand comes first is the compiler's choice, different in every inlined copy; spelled out,
    every copy gives the bits the former layout kernel gave (the new value's NaN)."""
    if b != b:
        return b
    if a != a:
        return a
    return b + a


cdef inline bint _ewm_step(EwmState* st, bint valid, double cur, double factor, double new_wt,
                           bint adjust, bint ignore_nulls, int64_t min_samples) noexcept nogil:
    """pandas' recurrence for one row; True when the row has a result (``st.weighted``)."""
    if not valid:
        if st.have and not ignore_nulls:
            st.old_wt *= factor
        return False
    st.nobs += 1
    if st.have:
        st.old_wt *= factor
        if st.weighted != cur:
            st.weighted = (_nan_first(new_wt * cur, st.old_wt * st.weighted)
                           / (st.old_wt + new_wt))
        if adjust:
            st.old_wt += new_wt
        else:
            st.old_wt = 1.0
    else:
        st.weighted = cur
        st.old_wt = 1.0  # a zeroed state stands for "no value yet"
        st.have = True
    return st.nobs >= min_samples


cdef void _ewm_stream(const double* v, const uint8_t* vp, int64_t off, const int64_t* codes,
                      int64_t n, double factor, double new_wt, bint adjust, bint ignore_nulls,
                      int64_t min_samples, EwmState* states, double* out,
                      uint8_t* ok) noexcept nogil:
    cdef int64_t i
    cdef EwmState one
    cdef EwmState* st
    cdef bint valid
    one.old_wt = 0
    one.weighted = 0
    one.nobs = 0
    one.have = False
    for i in range(n):
        valid = _valid(vp, off, i)
        if codes == NULL:
            if _ewm_step(&one, valid, v[i] if valid else 0.0, factor, new_wt, adjust,
                         ignore_nulls, min_samples):
                out[i] = one.weighted
                ok[i] = 1
            else:
                out[i] = 0
                ok[i] = 0
        else:
            st = &states[codes[i]]
            if _ewm_step(st, valid, v[i] if valid else 0.0, factor, new_wt, adjust,
                         ignore_nulls, min_samples):
                out[i] = st.weighted
                ok[i] = 1
            else:
                out[i] = 0
                ok[i] = 0


def ewm_mean(values, valid, int64_t offset, codes, int64_t n_groups,
             double alpha, bint adjust, int64_t min_samples, bint ignore_nulls):
    """pandas' ``ewm(alpha=..., adjust=..., ignore_na=...).mean()`` recurrence inside each group
    (``pandas/_libs/window/aggregations.pyx`` ``ewm``): null rows stay null, rows with fewer than
    ``min_samples`` values so far are null. Returns ``(float64 out, uint8 ok)``."""
    cdef const double[::1] xv = _doubles(values)
    cdef int64_t height = xv.shape[0]
    cdef const int64_t* cp = _codes_arg(codes, height, n_groups)
    cdef const uint8_t* vp = _bits(valid)
    out = _empty(height, np.float64)
    ok = _empty(height, np.uint8)
    if height == 0:
        return out, ok
    cdef double[::1] ov = out
    cdef uint8_t[::1] okv = ok
    states = _zeros(n_groups * sizeof(EwmState), np.uint8)
    cdef uint8_t[::1] sv = states
    with nogil:
        _ewm_stream(&xv[0], vp, offset, cp, height, 1.0 - alpha, 1.0 if adjust else alpha,
                    adjust, ignore_nulls, min_samples, <EwmState*>&sv[0], &ov[0], &okv[0])
    return out, ok


# ------------------------------------------------------------------------------------------------
# rolling aggregations: per-window state shared by both kernel families

cdef struct RollState:
    # first 64 bytes: all that sum and mean touch (the streaming kernel keeps one per group)
    int64_t count      # non-null values in the window (NaN and inf included)
    int64_t nan
    int64_t pinf
    int64_t ninf
    int64_t nfin       # finite values
    int64_t q          # streaming: positions of the group seen so far
    double s           # Neumaier sum of the finite values
    double c           # its compensation
    # second 64 bytes: var / std
    double mean        # Welford mean / m2 of the finite values
    double m2
    double last        # last finite value added, and how many equal values end the window
    int64_t same
    int64_t dirty      # a removal cancelled most of m2: recompute it from the window
    int64_t pad[3]     # 128 bytes: a group's state never straddles more lines than it needs


cdef struct ExtremeState:
    int64_t count      # non-null values in the window
    int64_t nan
    int64_t head       # the monotonic deque is entries [head, tail) (of a ring when streaming)
    int64_t tail
    int64_t q          # streaming: positions of the group seen so far


cdef inline void _roll_init(RollState* st) noexcept nogil:
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
    st.q = 0


cdef inline void _neumaier(RollState* st, double x) noexcept nogil:
    # c += (s - t) + x when |s| >= |x|, else (x - t) + s: written as selects, because the
    # comparison is a coin toss on real data and a mispredicted branch costs more than the sum
    cdef double t = st.s + x
    st.c += neumaier_term(st.s, x, t)
    st.s = t


cdef inline void _roll_add(RollState* st, double x, bint moments) noexcept nogil:
    cdef double d
    st.count += 1
    if x - x != 0:  # NaN or an infinity: one test on the common path
        if x != x:
            st.nan += 1
        elif x > 0:
            st.pinf += 1
        else:
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
    if x - x != 0:
        if x != x:
            st.nan -= 1
        elif x > 0:
            st.pinf -= 1
        else:
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


cdef inline void _set_moments(RollState* st, double total, int64_t n, double m2) noexcept nogil:
    st.mean = total / n if n > 0 else 0
    st.m2 = m2 if n > 0 else 0
    st.dirty = False


cdef void _recompute_layout(RollState* st, const double* v, const uint8_t* vp, int64_t off,
                            const int64_t* order, int64_t a, int64_t b) noexcept nogil:
    """Two-pass mean and m2 of the finite values at positions ``[a, b)``."""
    cdef int64_t j, row, n = 0
    cdef double x, total = 0, mean, d, m2 = 0
    for j in range(a, b):
        row = _row(order, j)
        if _valid(vp, off, row):
            x = v[row]
            if x - x == 0:  # finite
                total += x
                n += 1
    if n > 0:
        mean = total / n
        for j in range(a, b):
            row = _row(order, j)
            if _valid(vp, off, row):
                x = v[row]
                if x - x == 0:
                    d = x - mean
                    m2 += d * d
    _set_moments(st, total, n, m2)


cdef void _recompute_ring(RollState* st, const double* rx, const uint8_t* rv, int64_t mask,
                          int64_t a, int64_t b) noexcept nogil:
    """``_recompute_layout`` over a group's ring: positions ``[a, b)`` at slots ``j & mask``."""
    cdef int64_t j, n = 0
    cdef double x, total = 0, mean, d, m2 = 0
    for j in range(a, b):
        if rv[j & mask]:
            x = rx[j & mask]
            if x - x == 0:
                total += x
                n += 1
    if n > 0:
        mean = total / n
        for j in range(a, b):
            if rv[j & mask]:
                x = rx[j & mask]
                if x - x == 0:
                    d = x - mean
                    m2 += d * d
    _set_moments(st, total, n, m2)


cdef inline double _roll_sum(RollState* st) noexcept nogil:
    if st.nan > 0 or (st.pinf > 0 and st.ninf > 0):
        return 0.0 / 0.0
    if st.pinf > 0:
        return 1.0 / 0.0
    if st.ninf > 0:
        return -1.0 / 0.0
    return st.s + st.c


cdef inline bint _moments_result(RollState* st, int op, int64_t min_samples, int64_t ddof,
                                 double* r) noexcept nogil:
    """The window's sum / mean / var / std into ``r``; False when it is null."""
    cdef double var
    if st.count < min_samples or st.count == 0:
        return False
    if op == C_ROLL_SUM:
        r[0] = _roll_sum(st)
    elif op == C_ROLL_MEAN:
        r[0] = _roll_sum(st)
        if st.nan == 0 and st.pinf == 0 and st.ninf == 0:
            r[0] = r[0] / st.count
    else:
        if st.count <= ddof:
            return False
        if st.nan > 0 or st.pinf > 0 or st.ninf > 0:
            r[0] = 0.0 / 0.0
        else:
            if st.same >= st.nfin:
                var = 0.0  # every value in the window is equal (pandas does the same)
            else:
                var = st.m2 / (st.nfin - ddof)
                if var < 0:
                    var = 0.0
            r[0] = sqrt(var) if op == C_ROLL_STD else var
    return True


cdef inline void _emit_moments(RollState* st, int op, int64_t min_samples, int64_t ddof,
                               int64_t row, double* out, uint8_t* ok) noexcept nogil:
    cdef double r = 0
    if _moments_result(st, op, min_samples, ddof, &r):
        out[row] = r
        ok[row] = 1
    else:
        out[row] = 0
        ok[row] = 0


# ------------------------------------------------------------------------------------------------
# rolling by row count (streaming)
#
# Every group keeps its last positions in a ring of W = 2**k >= w + 1 slots (``w = left + right
# + 1``): the value (as double), its validity and, for centred windows, its row. Position ``q``
# sits at slot ``q & (W - 1)``; ``w + 1`` distinct slots hold the window plus the position about
# to leave it. When position ``q`` arrives, the window of position ``p = q - right`` is complete:
# add ``q``, remove ``q - w``, emit ``p`` -- the adds and removals the layout kernel makes for
# ``p``, in the same order. The last ``right`` positions of a group are emitted after the scan.
#
# A group's state and rings share one block of ``stride`` bytes (state, values, rows, deque,
# validity), so the lines a row will touch are known from its group code alone and are
# prefetched ``_AHEAD`` rows early. (Prefetching ring slots located through the group's
# position counter was slower than no ring prefetch at all: that counter is a load which stalls
# whenever its own prefetch is late.)

cdef struct Ring:
    int64_t stride     # bytes per group block (a multiple of 64)
    int64_t off_x      # double[W] values
    int64_t off_row    # int64[W] rows (centred windows)
    int64_t off_dq     # int64[W] deque of positions (min / max)
    int64_t off_ok     # uint8[W] validity
    int64_t mask       # W - 1
    int64_t w          # window length left + right + 1
    int64_t right
    int64_t lines      # cache lines prefetched from the block start


cdef Ring _ring_layout(int64_t state_bytes, int64_t left, int64_t right, bint deque) noexcept:
    cdef Ring r
    cdef int64_t W = 1, end
    while W < left + right + 2:
        W <<= 1
    r.w = left + right + 1
    r.right = right
    r.mask = W - 1
    r.off_x = state_bytes
    end = r.off_x + 8 * W
    r.off_row = end
    if right > 0:
        end += 8 * W
    r.off_dq = end
    if deque:
        end += 8 * W
    r.off_ok = end
    end += W
    r.stride = (end + 63) // 64 * 64
    r.lines = r.stride // 64 if r.stride <= 8 * 64 else 2
    return r


cpdef bint rolling_fits(int64_t n_groups, int64_t left, int64_t right, int op,
                        int64_t height) noexcept:
    """True when ``rolling_count``'s per-group blocks (state and rings, 256 bytes a group for
    a window of 5) take at most 32 bytes a row (four float64 columns) plus 4 MiB; more groups
    or wider windows take the layout kernels (``rolling``)."""
    cdef Ring rg
    left = min(left, height)
    right = min(right, height)
    if n_groups <= 1:
        return True
    rg = _ring_layout(64 if op == C_ROLL_MIN or op == C_ROLL_MAX else sizeof(RollState), left,
                      right, op == C_ROLL_MIN or op == C_ROLL_MAX)
    return rg.stride <= (32 * height + (4 << 20)) // n_groups


cdef inline int64_t _prefetch_lines(Ring rg, int64_t n_groups) noexcept:
    """Lines to prefetch per row: none while every block fits in the core's L2 cache."""
    return 0 if n_groups * rg.stride <= _L2_BYTES else rg.lines


cdef inline void _prefetch_block(const char* block, int64_t lines) noexcept nogil:
    cdef int64_t k
    for k in range(lines):
        prefetch_w(block + 64 * k)


cdef void _moments_stream(const double* v, const uint8_t* vp, int64_t off,
                          const int64_t* codes, int64_t n, int64_t n_groups, Ring rg, int op,
                          int64_t min_samples, int64_t ddof, char* blocks, double* out,
                          uint8_t* ok) noexcept nogil:
    cdef int64_t left = rg.w - 1 - rg.right, right = rg.right, w = rg.w, mask = rg.mask
    cdef int64_t i, c, q, p, m, a, slot, old
    cdef char* blk
    cdef RollState* st
    cdef double* rx
    cdef uint8_t* rv
    cdef int64_t* rr
    cdef bint moments = op == C_ROLL_VAR or op == C_ROLL_STD, isvalid, old_valid
    cdef double x, old_x = 0
    for i in range(n):
        if rg.lines and i + _AHEAD < n:
            blk = blocks + codes[i + _AHEAD] * rg.stride
            if moments:
                _prefetch_block(blk, rg.lines)
            else:  # sum and mean never touch the state's second line
                prefetch_w(blk)
                _prefetch_block(blk + 128, rg.lines - 2)
        blk = blocks + codes[i] * rg.stride
        st = <RollState*>blk
        rx = <double*>(blk + rg.off_x)
        rv = <uint8_t*>(blk + rg.off_ok)
        rr = <int64_t*>(blk + rg.off_row)
        q = st.q
        isvalid = _valid(vp, off, i)
        x = v[i] if isvalid else 0.0
        old_valid = False
        if q >= w:
            old = (q - w) & mask
            old_valid = rv[old]
            old_x = rx[old]
        slot = q & mask
        rx[slot] = x
        rv[slot] = isvalid
        if right > 0:
            rr[slot] = i
        if isvalid:
            _roll_add(st, x, moments)
        if old_valid:
            _roll_remove(st, old_x, moments)
        st.q = q + 1
        p = q - right
        if p < 0:
            continue
        if moments and st.dirty:
            a = p - left if p - left > 0 else 0
            _recompute_ring(st, rx, rv, mask, a, q + 1)
        _emit_moments(st, op, min_samples, ddof, i if right == 0 else rr[p & mask], out, ok)
    if right == 0:
        return
    for c in range(n_groups):
        blk = blocks + c * rg.stride
        st = <RollState*>blk
        rx = <double*>(blk + rg.off_x)
        rv = <uint8_t*>(blk + rg.off_ok)
        rr = <int64_t*>(blk + rg.off_row)
        m = st.q
        p = m - right if m - right > 0 else 0
        while p < m:
            a = p - left - 1
            if a >= 0 and rv[a & mask]:
                _roll_remove(st, rx[a & mask], moments)
            if moments and st.dirty:
                _recompute_ring(st, rx, rv, mask, a + 1 if a >= 0 else 0, m)
            _emit_moments(st, op, min_samples, ddof, rr[p & mask], out, ok)
            p += 1


cdef inline void _emit_extreme(ExtremeState* st, const double* rx, const int64_t* dq,
                               int64_t mask, int64_t min_samples, int64_t row, double* out,
                               uint8_t* ok) noexcept nogil:
    if st.count < min_samples or st.count == 0:
        out[row] = 0
        ok[row] = 0
        return
    out[row] = 0.0 / 0.0 if st.nan > 0 else rx[dq[st.head & mask] & mask]
    ok[row] = 1


cdef void _extreme_stream(const double* v, const uint8_t* vp, int64_t off,
                          const int64_t* codes, int64_t n, int64_t n_groups, Ring rg,
                          bint want_max, int64_t min_samples, char* blocks, double* out,
                          uint8_t* ok) noexcept nogil:
    """Monotonic deque of positions (values strictly improving from front to back), kept in a
    ring of deque entries next to the ring of values."""
    cdef int64_t left = rg.w - 1 - rg.right, right = rg.right, w = rg.w, mask = rg.mask
    cdef int64_t i, c, q, p, m, a, slot, old
    cdef char* blk
    cdef ExtremeState* st
    cdef double* rx
    cdef uint8_t* rv
    cdef int64_t* rr
    cdef int64_t* dq
    cdef bint isvalid, old_valid
    cdef double x, y, old_x = 0
    for i in range(n):
        if rg.lines and i + _AHEAD < n:
            _prefetch_block(blocks + codes[i + _AHEAD] * rg.stride, rg.lines)
        blk = blocks + codes[i] * rg.stride
        st = <ExtremeState*>blk
        rx = <double*>(blk + rg.off_x)
        rv = <uint8_t*>(blk + rg.off_ok)
        rr = <int64_t*>(blk + rg.off_row)
        dq = <int64_t*>(blk + rg.off_dq)
        q = st.q
        isvalid = _valid(vp, off, i)
        x = v[i] if isvalid else 0.0
        old_valid = False
        if q >= w:
            old = (q - w) & mask
            old_valid = rv[old]
            old_x = rx[old]
        slot = q & mask
        rx[slot] = x
        rv[slot] = isvalid
        if right > 0:
            rr[slot] = i
        if isvalid:
            st.count += 1
            if x != x:
                st.nan += 1
            else:
                while st.tail > st.head:
                    y = rx[dq[(st.tail - 1) & mask] & mask]
                    if (want_max and y <= x) or (not want_max and y >= x):
                        st.tail -= 1
                    else:
                        break
                dq[st.tail & mask] = q
                st.tail += 1
        if old_valid:
            st.count -= 1
            if old_x != old_x:
                st.nan -= 1
            elif st.tail > st.head and dq[st.head & mask] == q - w:
                st.head += 1
        st.q = q + 1
        p = q - right
        if p < 0:
            continue
        _emit_extreme(st, rx, dq, mask, min_samples, i if right == 0 else rr[p & mask], out, ok)
    if right == 0:
        return
    for c in range(n_groups):
        blk = blocks + c * rg.stride
        st = <ExtremeState*>blk
        rx = <double*>(blk + rg.off_x)
        rv = <uint8_t*>(blk + rg.off_ok)
        rr = <int64_t*>(blk + rg.off_row)
        dq = <int64_t*>(blk + rg.off_dq)
        m = st.q
        p = m - right if m - right > 0 else 0
        while p < m:
            a = p - left - 1
            if a >= 0 and rv[a & mask]:
                st.count -= 1
                x = rx[a & mask]
                if x != x:
                    st.nan -= 1
                elif st.tail > st.head and dq[st.head & mask] == a:
                    st.head += 1
            _emit_extreme(st, rx, dq, mask, min_samples, rr[p & mask], out, ok)
            p += 1


cdef void _moments_rows(const double* v, const uint8_t* vp, int64_t off, int64_t n,
                        int64_t left, int64_t right, int op, int64_t min_samples, int64_t ddof,
                        double* out, uint8_t* ok) noexcept nogil:
    """One group, positions = rows: the streaming order (add ``q``, remove ``q - w``, emit
    ``q - right``) without a ring, the values being at hand in ``v``."""
    cdef int64_t w = left + right + 1, q, p, old
    cdef RollState st
    cdef bint moments = op == C_ROLL_VAR or op == C_ROLL_STD
    _roll_init(&st)
    for q in range(n + right):
        if q < n and _valid(vp, off, q):
            _roll_add(&st, v[q], moments)
        old = q - w
        if old >= 0 and _valid(vp, off, old):
            _roll_remove(&st, v[old], moments)
        p = q - right
        if p < 0:
            continue
        if moments and st.dirty:
            _recompute_layout(&st, v, vp, off, NULL, p - left if p - left > 0 else 0,
                              q + 1 if q + 1 < n else n)
        _emit_moments(&st, op, min_samples, ddof, p, out, ok)


cdef void _extreme_rows(const double* v, const uint8_t* vp, int64_t off, int64_t n,
                        int64_t left, int64_t right, bint want_max, int64_t min_samples,
                        int64_t* dq, int64_t mask, double* out, uint8_t* ok) noexcept nogil:
    """One group, positions = rows; the deque is a ring of ``mask + 1 >= w + 1`` positions."""
    cdef int64_t w = left + right + 1, q, p, old, head = 0, tail = 0, count = 0, nan = 0
    cdef double x, y
    for q in range(n + right):
        if q < n and _valid(vp, off, q):
            count += 1
            x = v[q]
            if x != x:
                nan += 1
            else:
                while tail > head:
                    y = v[dq[(tail - 1) & mask]]
                    if (want_max and y <= x) or (not want_max and y >= x):
                        tail -= 1
                    else:
                        break
                dq[tail & mask] = q
                tail += 1
        old = q - w
        if old >= 0 and _valid(vp, off, old):
            count -= 1
            x = v[old]
            if x != x:
                nan -= 1
            elif tail > head and dq[head & mask] == old:
                head += 1
        p = q - right
        if p < 0:
            continue
        if count < min_samples or count == 0:
            out[p] = 0
            ok[p] = 0
        else:
            out[p] = 0.0 / 0.0 if nan > 0 else v[dq[head & mask]]
            ok[p] = 1


def rolling_count(values, valid, int64_t offset, codes, int64_t n_groups,
                  int64_t left, int64_t right, int op, int64_t min_samples, int64_t ddof=1):
    """Aggregate of the non-null values among the ``left`` rows before and ``right`` rows after
    each row of its group (and the row itself): ``(float64 out, uint8 ok)``. Null when fewer
    than ``min_samples`` values (and, for the variance, when there are ``ddof`` or fewer).
    Streaming; the caller checks ``rolling_fits(n_groups, left, right, op, height)`` (else
    ``rolling`` over the layout). One group (``codes=None``) walks the rows without rings."""
    cdef const double[::1] xv = _doubles(values)
    cdef int64_t height = xv.shape[0]
    cdef const int64_t* cp = _codes_arg(codes, height, n_groups)
    cdef const uint8_t* vp = _bits(valid)
    cdef bint extreme = op == C_ROLL_MIN or op == C_ROLL_MAX
    cdef Ring rg
    if left < 0 or right < 0:
        raise ValueError("window extents must be >= 0")
    if op < C_ROLL_SUM or op > C_ROLL_STD:
        raise ValueError(f"unknown rolling op {op}")
    left = min(left, height)
    right = min(right, height)
    out = _empty(height, np.float64)
    ok = _empty(height, np.uint8)
    if height == 0:
        return out, ok
    cdef double[::1] ov = out
    cdef uint8_t[::1] okv = ok
    cdef int64_t[::1] dq
    if cp == NULL:
        rg = _ring_layout(0, left, right, False)
        if extreme:
            deque = _empty(rg.mask + 1, np.int64)
            dq = deque
        with nogil:
            if extreme:
                _extreme_rows(&xv[0], vp, offset, height, left, right, op == C_ROLL_MAX,
                              min_samples, &dq[0], rg.mask, &ov[0], &okv[0])
            else:
                _moments_rows(&xv[0], vp, offset, height, left, right, op, min_samples, ddof,
                              &ov[0], &okv[0])
        return out, ok
    if not rolling_fits(n_groups, left, right, op, height):
        raise ValueError("a ring of the window per group is too big: use rolling over a layout")
    # states first (zeroed == _roll_init / an empty deque), then the rings
    rg = _ring_layout(64 if extreme else sizeof(RollState), left, right, extreme)
    rg.lines = _prefetch_lines(rg, n_groups)
    blocks = _zeros(n_groups * rg.stride, np.uint8)
    cdef uint8_t[::1] bv = blocks
    with nogil:
        if extreme:
            _extreme_stream(&xv[0], vp, offset, cp, height, n_groups, rg, op == C_ROLL_MAX,
                            min_samples, <char*>&bv[0], &ov[0], &okv[0])
        else:
            _moments_stream(&xv[0], vp, offset, cp, height, n_groups, rg, op, min_samples,
                            ddof, <char*>&bv[0], &ov[0], &okv[0])
    return out, ok


# ------------------------------------------------------------------------------------------------
# rolling over [lo, hi) windows of a layout (parallel over blocks of groups)

cdef void _moments_layout(const double* v, const uint8_t* vp, int64_t off,
                          const int64_t* order, const int64_t* offsets, int64_t g0, int64_t g1,
                          const int64_t* lo, const int64_t* hi, int64_t left, int64_t right,
                          int op, int64_t min_samples, int64_t ddof, double* out,
                          uint8_t* ok) noexcept nogil:
    """Groups ``[g0, g1)``; windows ``[lo[p], hi[p])``, or ``left`` / ``right`` positions
    around ``p`` (clipped to the group) when ``lo`` is NULL."""
    cdef int64_t g, s, e, p, a, b, row, l, h
    cdef RollState st
    cdef bint moments = op == C_ROLL_VAR or op == C_ROLL_STD
    for g in range(g0, g1):
        s = offsets[g]
        e = offsets[g + 1]
        _roll_init(&st)
        a = s
        b = s
        for p in range(s, e):
            if lo != NULL:
                l = lo[p]
                h = hi[p]
            else:
                l = p - left if p - left > s else s
                h = p + right + 1 if p + right + 1 < e else e
            while b < h:
                row = _row(order, b)
                if _valid(vp, off, row):
                    _roll_add(&st, v[row], moments)
                b += 1
            while a < l:
                row = _row(order, a)
                if _valid(vp, off, row):
                    _roll_remove(&st, v[row], moments)
                a += 1
            if st.dirty:
                _recompute_layout(&st, v, vp, off, order, a, b)
            _emit_moments(&st, op, min_samples, ddof, _row(order, p), out, ok)


cdef void _extreme_layout(const double* v, const uint8_t* vp, int64_t off,
                          const int64_t* order, const int64_t* offsets, int64_t g0, int64_t g1,
                          const int64_t* lo, const int64_t* hi, int64_t left, int64_t right,
                          bint want_max, int64_t min_samples, int64_t* deque, double* out,
                          uint8_t* ok) noexcept nogil:
    """Monotonic deque of positions (values strictly improving from front to back); group ``g``
    keeps its deque in ``deque[offsets[g]:offsets[g + 1]]``."""
    cdef int64_t g, s, e, p, a, b, row, head, tail, count, nan, l, h
    cdef double x, y
    for g in range(g0, g1):
        s = offsets[g]
        e = offsets[g + 1]
        head = s
        tail = s
        count = 0
        nan = 0
        a = s
        b = s
        for p in range(s, e):
            if lo != NULL:
                l = lo[p]
                h = hi[p]
            else:
                l = p - left if p - left > s else s
                h = p + right + 1 if p + right + 1 < e else e
            while b < h:
                row = _row(order, b)
                if _valid(vp, off, row):
                    count += 1
                    x = v[row]
                    if x != x:
                        nan += 1
                    else:
                        while tail > head:
                            y = v[_row(order, deque[tail - 1])]
                            if (want_max and y <= x) or (not want_max and y >= x):
                                tail -= 1
                            else:
                                break
                        deque[tail] = b
                        tail += 1
                b += 1
            while a < l:
                row = _row(order, a)
                if _valid(vp, off, row):
                    count -= 1
                    x = v[row]
                    if x != x:
                        nan -= 1
                    elif tail > head and deque[head] == a:
                        head += 1
                a += 1
            row = _row(order, p)
            if count < min_samples or count == 0:
                out[row] = 0
                ok[row] = 0
                continue
            if nan > 0:
                out[row] = 0.0 / 0.0
            else:
                out[row] = v[_row(order, deque[head])]
            ok[row] = 1


def rolling(values, valid, int64_t offset, order,
            const int64_t[::1] offsets, lo, hi, int op, int64_t min_samples, int64_t ddof=1,
            int64_t left=0, int64_t right=0):
    """Aggregate of the non-null values in positions ``[lo[p], hi[p])`` of each position's
    group (``lo=hi=None``: the ``left`` positions before and ``right`` after ``p``, clipped to
    the group), written at row ``order[p]``: ``(float64 out, uint8 ok)``. ``lo``/``hi`` must be
    non-decreasing inside each group. Null when fewer than ``min_samples`` values (and, for the
    variance, when there are ``ddof`` or fewer). Parallel over blocks of groups."""
    cdef const double[::1] xv = _doubles(values)
    cdef int64_t height = xv.shape[0], b, nb
    cdef int64_t ng = _check_offsets(height, offsets)
    cdef const uint8_t* vp = _bits(valid)
    cdef const int64_t* op_ = _order_arg(order, height)
    cdef const int64_t* lop = NULL
    cdef const int64_t* hip = NULL
    cdef const int64_t[::1] lov
    cdef const int64_t[::1] hiv
    if (lo is None) != (hi is None):
        raise ValueError("give both lo and hi, or neither")
    if lo is not None:
        lov = lo
        hiv = hi
        if lov.shape[0] != height or hiv.shape[0] != height:
            raise ValueError("lo/hi must have one entry per position")
        if height:
            lop = &lov[0]
            hip = &hiv[0]
    if left < 0 or right < 0:
        raise ValueError("window extents must be >= 0")
    if op < C_ROLL_SUM or op > C_ROLL_STD:
        raise ValueError(f"unknown rolling op {op}")
    out = _empty(height, np.float64)
    ok = _empty(height, np.uint8)
    if height == 0:
        return out, ok
    left = min(left, height)
    right = min(right, height)
    cdef double[::1] ov = out
    cdef uint8_t[::1] okv = ok
    cdef int64_t[::1] dq
    cdef int nt = n_threads_for(height)
    cdef const int64_t[::1] gb = _group_blocks(offsets, nt)
    nb = gb.shape[0] - 1
    if op == C_ROLL_MIN or op == C_ROLL_MAX:
        deque = _empty(height, np.int64)
        dq = deque
        with nogil:
            if nb == 1:
                _extreme_layout(&xv[0], vp, offset, op_, &offsets[0], 0, ng, lop, hip, left,
                                right, op == C_ROLL_MAX, min_samples, &dq[0], &ov[0], &okv[0])
            else:
                for b in prange(nb, schedule="dynamic", num_threads=nt):
                    _extreme_layout(&xv[0], vp, offset, op_, &offsets[0], gb[b], gb[b + 1],
                                    lop, hip, left, right, op == C_ROLL_MAX, min_samples, &dq[0],
                                    &ov[0], &okv[0])
    else:
        with nogil:
            if nb == 1:
                _moments_layout(&xv[0], vp, offset, op_, &offsets[0], 0, ng, lop, hip, left,
                                right, op, min_samples, ddof, &ov[0], &okv[0])
            else:
                for b in prange(nb, schedule="dynamic", num_threads=nt):
                    _moments_layout(&xv[0], vp, offset, op_, &offsets[0], gb[b], gb[b + 1],
                                    lop, hip, left, right, op, min_samples, ddof, &ov[0],
                                    &okv[0])
    return out, ok


# ------------------------------------------------------------------------------------------------
# window bounds by period (layout)

cdef int64_t _period_layout(const int64_t* t, const int64_t* order, const int64_t* offsets,
                            int64_t g0, int64_t g1, int64_t max_back, bint closed_right,
                            int64_t* lv, int64_t* hv) noexcept nogil:
    """Bounds for groups ``[g0, g1)``; returns the first unsorted position, or -1."""
    cdef int64_t g, p, s, e, a, b, T, lim
    cdef bint unbounded
    for g in range(g0, g1):
        s = offsets[g]
        e = offsets[g + 1]
        for p in range(s + 1, e):
            if t[_row(order, p)] < t[_row(order, p - 1)]:
                return p
        a = s
        b = s
        for p in range(s, e):
            T = t[_row(order, p)]
            unbounded = sub_i64(T, max_back, &lim)  # lim = T - max_back (no lower limit on overflow)
            if not unbounded:
                while a < e and t[_row(order, a)] < lim:
                    a += 1
            if b < a:
                b = a
            if closed_right:
                while b < e and t[_row(order, b)] <= T:
                    b += 1
            else:
                while b < e and t[_row(order, b)] < T:
                    b += 1
            lv[p] = a
            hv[p] = b if b > a else a
    return -1


def period_bounds(const int64_t[::1] t, order, const int64_t[::1] offsets, int64_t max_back,
                  bint closed_right):
    """Windows by period over the ascending time ``t`` (row-indexed, int64 ticks).

    The window of position ``p`` (time ``T``) holds the group's positions ``j`` with
    ``T - t[j] <= max_back`` and ``t[j] <= T`` (``closed_right``) or ``t[j] < T``; ``max_back``
    already encodes whether the left end is closed. Returns ``(lo, hi, bad)`` with ``bad`` the
    first position whose time is below its predecessor's (-1 when sorted).
    """
    cdef int64_t height = t.shape[0], b, nb, bad = -1
    cdef int64_t ng = _check_offsets(height, offsets)
    cdef const int64_t* op_ = _order_arg(order, height)
    lo = _empty(height, np.int64)
    hi = _empty(height, np.int64)
    if height == 0:
        return lo, hi, bad
    cdef int64_t[::1] lv = lo
    cdef int64_t[::1] hv = hi
    cdef int nt = n_threads_for(height)
    cdef const int64_t[::1] gb = _group_blocks(offsets, nt)
    nb = gb.shape[0] - 1
    block_bad = np.empty(nb, dtype=np.int64)
    cdef int64_t[::1] bb = block_bad
    with nogil:
        if nb == 1:
            bb[0] = _period_layout(&t[0], op_, &offsets[0], 0, ng, max_back, closed_right,
                                   &lv[0], &hv[0])
        else:
            for b in prange(nb, schedule="dynamic", num_threads=nt):
                bb[b] = _period_layout(&t[0], op_, &offsets[0], gb[b], gb[b + 1], max_back,
                                       closed_right, &lv[0], &hv[0])
        for b in range(nb):  # positions are group-major: the first block's is the first
            if bb[b] >= 0:
                bad = bb[b]
                break
    return lo, hi, bad


# ------------------------------------------------------------------------------------------------
# rank (layout of rows sorted by (group, code))
#
# Three passes, each parallel: gather every position's code (and validity) from its row, rank
# the positions of each group on those contiguous arrays, scatter the ranks back to the rows.
# The gather and the scatter are plain loops whose random accesses overlap; the former single
# pass read ``codes[rows[p]]`` inside the data-dependent run scan, one cache miss at a time.

cdef int64_t _CHUNK = 1 << 16


cdef void _rank_gather(const int64_t* rows, const uint64_t* codes, const uint8_t* vp, int64_t off,
                       int64_t p0, int64_t p1, uint64_t* sc, uint8_t* sv) noexcept nogil:
    cdef int64_t p, row
    for p in range(p0, p1):
        row = rows[p]
        sc[p] = codes[row]
        sv[p] = _valid(vp, off, row)


cdef void _rank_scatter(const int64_t* rows, int64_t p0, int64_t p1, const double* rk,
                        const uint8_t* sv, double* out, uint8_t* ok) noexcept nogil:
    cdef int64_t p, row
    for p in range(p0, p1):
        row = rows[p]
        out[row] = rk[p]
        ok[row] = sv[p]


cdef void _rank_groups(const int64_t* offsets, int64_t g0, int64_t g1, const uint64_t* sc,
                       const uint8_t* sv, int method, double* rk) noexcept nogil:
    """Ranks of the positions of groups ``[g0, g1)`` from their codes ``sc`` (sorted inside
    each group, ties in walking order) and validity ``sv``; 0 at null positions."""
    cdef int64_t g, s, e, p, q, r, rank_base, dense, run_end
    cdef uint64_t code
    cdef double val
    for g in range(g0, g1):
        s = offsets[g]
        e = offsets[g + 1]
        rank_base = 0  # ranks taken by earlier (non-null) runs
        dense = 0
        p = s
        while p < e:
            if not sv[p]:
                rk[p] = 0
                p += 1
                continue
            # the run of equal codes (among non-null positions) starting at p; r counts them
            code = sc[p]
            q = p + 1
            run_end = p + 1
            r = 1
            while q < e:
                if not sv[q]:
                    q += 1
                    continue
                if sc[q] != code:
                    break
                q += 1
                run_end = q
                r += 1
            dense += 1
            for q in range(p, run_end):
                if not sv[q]:
                    rk[q] = 0
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
                rk[q] = val
            if method != C_RANK_ORDINAL:
                rank_base += r
            p = run_end


def rank_runs(const int64_t[::1] sorted_rows, const int64_t[::1] offsets,
              const uint64_t[::1] codes, valid, int64_t offset, int method):
    """Ranks from rows sorted by (group, code) with ties in walking order.

    ``sorted_rows[offsets[g]:offsets[g + 1]]`` are group ``g``'s rows sorted by their
    order-preserving ``codes`` (stable), every row once; null rows are skipped (they stay null
    and take no rank). Returns ``(float64 ranks, uint8 ok)``. Parallel.
    """
    cdef int64_t height = sorted_rows.shape[0], b, nb, nc, p0, p1
    cdef int64_t ng = _check_offsets(height, offsets)
    cdef const uint8_t* vp = _bits(valid)
    if codes.shape[0] != height:
        raise ValueError(f"{codes.shape[0]} codes for {height} rows")
    if method < C_RANK_AVERAGE or method > C_RANK_ORDINAL:
        raise ValueError(f"unknown rank method {method}")
    out = _empty(height, np.float64)
    ok = _empty(height, np.uint8)
    if height == 0:
        return out, ok
    cdef double[::1] ov = out
    cdef uint8_t[::1] okv = ok
    sc_arr = _empty(height, np.uint64)
    sv_arr = _empty(height, np.uint8)
    rk_arr = _empty(height, np.float64)
    cdef uint64_t[::1] sc = sc_arr
    cdef uint8_t[::1] sv = sv_arr
    cdef double[::1] rk = rk_arr
    cdef int nt = n_threads_for(height)
    cdef const int64_t[::1] gb = _group_blocks(offsets, nt)
    nb = gb.shape[0] - 1
    nc = (height + _CHUNK - 1) // _CHUNK
    with nogil:
        if nt == 1:
            _rank_gather(&sorted_rows[0], &codes[0], vp, offset, 0, height, &sc[0], &sv[0])
            _rank_groups(&offsets[0], 0, ng, &sc[0], &sv[0], method, &rk[0])
            _rank_scatter(&sorted_rows[0], 0, height, &rk[0], &sv[0], &ov[0], &okv[0])
        else:
            for b in prange(nc, schedule="static", num_threads=nt):
                p0 = b * _CHUNK
                p1 = min(height, p0 + _CHUNK)
                _rank_gather(&sorted_rows[0], &codes[0], vp, offset, p0, p1, &sc[0], &sv[0])
            for b in prange(nb, schedule="dynamic", num_threads=nt):
                _rank_groups(&offsets[0], gb[b], gb[b + 1], &sc[0], &sv[0], method, &rk[0])
            for b in prange(nc, schedule="static", num_threads=nt):
                p0 = b * _CHUNK
                p1 = min(height, p0 + _CHUNK)
                _rank_scatter(&sorted_rows[0], p0, p1, &rk[0], &sv[0], &ov[0], &okv[0])
    return out, ok
