"""Hash-join kernels over shared key codes.

The Python layer factorizes the keys of both sides *together* (``hashing.factorize_multi`` over
the concatenated key columns), so equal keys share one dense code whatever their side, and
counting-sorts the build side's rows by code (``groupby.group_order``): the rows with code ``c``
are ``order[offsets[c]:offsets[c + 1]]``, in row order. That is the hash table: probing a row is
two loads. Rows that must match nothing (null keys when nulls are not equal) carry a code whose
slice is empty.

Both kernels run over fixed blocks of probe rows in parallel: ``join_size`` counts the output
rows (so the caller can refuse an output that would not fit before allocating it) and
``join_fill`` writes ``(probe_index, build_index)`` pairs at exact offsets from a per-block
prefix sum. Output order: probe rows in order, each followed by its matches in build order;
``keep_unmatched`` gives a probe row without matches one pair with build index -1.
"""
import numpy as np

from cython.parallel cimport prange
from libc.stdint cimport int64_t

from frame._core.buffer cimport allocate
from frame._core.parallel cimport n_threads_for

cdef int64_t _BLOCK = 1 << 16


def _empty(int64_t n):
    return np.frombuffer(allocate(n * 8, False), dtype=np.int64)


cdef void _block_counts(const int64_t* codes, const int64_t* offsets, int64_t ncodes, int64_t n,
                        bint keep_unmatched, int64_t* totals, int64_t* not_one,
                        int64_t* bad, int64_t nb, int nt) noexcept nogil:
    """Per block: output pairs, probe rows with other than exactly one pair, and codes outside
    ``[0, ncodes)`` (counted, never used to index)."""
    cdef int64_t b, i, s, e, t, o, x, c, m
    for b in prange(nb, schedule="static", num_threads=nt):
        s = b * _BLOCK
        e = min(n, s + _BLOCK)
        t = 0
        o = 0
        x = 0
        for i in range(s, e):
            c = codes[i]
            if c < 0 or c >= ncodes:
                x = x + 1
                continue
            m = offsets[c + 1] - offsets[c]
            if keep_unmatched and m == 0:
                m = 1
            t = t + m
            o = o + (m != 1)
        totals[b] = t
        not_one[b] = o
        bad[b] = x


cdef tuple _counts(const int64_t[::1] probe_codes, const int64_t[::1] build_offsets,
                   bint keep_unmatched):
    """``(per-block totals, rows without exactly one pair)``; ValueError on a bad code."""
    cdef int64_t n = probe_codes.shape[0]
    cdef int64_t nb = (n + _BLOCK - 1) // _BLOCK
    cdef int64_t ncodes = build_offsets.shape[0] - 1
    cdef int nt = n_threads_for(n)
    if ncodes < 0:
        raise ValueError("build_offsets needs at least one entry")
    totals = np.zeros(nb, dtype=np.int64)
    not_one = np.zeros(nb, dtype=np.int64)
    bad = np.zeros(nb, dtype=np.int64)
    cdef int64_t[::1] tv = totals
    cdef int64_t[::1] ov = not_one
    cdef int64_t[::1] bv = bad
    if n:
        with nogil:
            _block_counts(&probe_codes[0], &build_offsets[0], ncodes, n, keep_unmatched, &tv[0],
                          &ov[0], &bv[0], nb, nt)
    if bad.any():
        raise ValueError(f"probe codes must lie in [0, {ncodes})")
    return totals, int(not_one.sum())


def join_size(const int64_t[::1] probe_codes, const int64_t[::1] build_offsets,
              bint keep_unmatched):
    """Number of output pairs of joining every probe row against the build side."""
    totals, _ = _counts(probe_codes, build_offsets, keep_unmatched)
    return int(totals.sum())


def join_fill(const int64_t[::1] probe_codes, const int64_t[::1] build_order,
              const int64_t[::1] build_offsets, bint keep_unmatched):
    """``(probe_index, build_index, identity)``: every matching pair, probe-major (see the
    module notes). ``identity`` is True when every probe row produced exactly one pair, so
    ``probe_index`` is ``0 .. n-1`` and the caller can reuse the probe side's columns as they are.
    """
    cdef int64_t n = probe_codes.shape[0]
    cdef int64_t nb = (n + _BLOCK - 1) // _BLOCK
    cdef int nt = n_threads_for(n)
    cdef int64_t b, i, s, e, c, k, lo, hi, pos, total
    totals, not_one = _counts(probe_codes, build_offsets, keep_unmatched)
    if n == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64), True
    starts = np.zeros(nb + 1, dtype=np.int64)
    np.cumsum(totals, out=starts[1:])
    total = int(starts[nb])
    cdef int64_t[::1] st = starts
    probe_index = _empty(max(total, 1))
    build_index = _empty(max(total, 1))
    cdef int64_t[::1] pi = probe_index
    cdef int64_t[::1] bi = build_index
    with nogil:
        for b in prange(nb, schedule="static", num_threads=nt):
            s = b * _BLOCK
            e = min(n, s + _BLOCK)
            pos = st[b]
            for i in range(s, e):
                c = probe_codes[i]
                lo = build_offsets[c]
                hi = build_offsets[c + 1]
                if hi == lo:
                    if keep_unmatched:
                        pi[pos] = i
                        bi[pos] = -1
                        pos = pos + 1
                    continue
                for k in range(lo, hi):
                    pi[pos] = i
                    bi[pos] = build_order[k]
                    pos = pos + 1
    return probe_index[:total], build_index[:total], not_one == 0


# ------------------------------------------------------------------------------------------------
# as-of matching. Both sides arrive counting-sorted by group (``group_order``) with each group's
# rows in ascending ``on`` order; one two-pointer walk per group (groups in parallel) finds each
# left row's partner, so the whole match is O(n_left + n_right) after the sort.

ctypedef fused asof_t:
    int64_t
    double


def sorted_within_groups(const asof_t[::1] values, const int64_t[::1] order,
                         const int64_t[::1] offsets):
    """True when ``values[order]`` ascends (non-strictly) inside every group's slice."""
    cdef int64_t g, k, ng = offsets.shape[0] - 1
    cdef bint ok = True
    with nogil:
        for g in range(ng):
            for k in range(offsets[g] + 1, offsets[g + 1]):
                if values[order[k]] < values[order[k - 1]]:
                    ok = False
                    break
            if not ok:
                break
    return ok


cdef inline double _dist(asof_t a, asof_t b) noexcept nogil:
    return <double>(a - b) if a >= b else <double>(b - a)


def asof_match(const asof_t[::1] lvals, const int64_t[::1] lorder, const int64_t[::1] loff,
               const asof_t[::1] rvals, const int64_t[::1] rorder, const int64_t[::1] roff,
               int strategy, bint allow_exact, bint has_tolerance, double tolerance):
    """Right row matched to every left row (-1: none); ``strategy`` 0 backward, 1 forward,
    2 nearest (the earlier on a tie). Groups ``g`` of both sides correspond; within a group the
    rows must ascend by value (``sorted_within_groups``). Backward takes the last of equal right
    values, forward the first."""
    cdef int64_t n = lvals.shape[0], ng = loff.shape[0] - 1, g, k, j, f, hi, lo, li, back, fwd, pick
    cdef asof_t x
    cdef int nt = n_threads_for(n)
    if roff.shape[0] - 1 != ng:
        raise ValueError("both sides need the same number of groups")
    match = np.full(n, -1, dtype=np.int64)
    cdef int64_t[::1] out = match
    with nogil:
        for g in prange(ng, schedule="dynamic", num_threads=nt):
            lo = roff[g]
            hi = roff[g + 1]
            j = lo        # first right row whose value is past x (backward) / not before x (forward)
            for k in range(loff[g], loff[g + 1]):
                li = lorder[k]
                x = lvals[li]
                if strategy == 1:
                    while j < hi and (rvals[rorder[j]] < x or (not allow_exact and rvals[rorder[j]] == x)):
                        j = j + 1
                    fwd = rorder[j] if j < hi else -1
                    pick = fwd
                else:
                    while j < hi and (rvals[rorder[j]] < x or (allow_exact and rvals[rorder[j]] == x)):
                        j = j + 1
                    back = rorder[j - 1] if j > lo else -1
                    pick = back
                    if strategy == 2:
                        # the forward partner starts at j: with exact matches allowed an equal
                        # value was taken as `back` (distance 0 wins); without, skip the equals
                        f = j
                        while not allow_exact and f < hi and rvals[rorder[f]] == x:
                            f = f + 1
                        fwd = rorder[f] if f < hi else -1
                        if fwd >= 0 and (back < 0 or _dist(rvals[fwd], x) < _dist(x, rvals[back])):
                            pick = fwd
                if pick >= 0 and has_tolerance and _dist(rvals[pick], x) > tolerance:
                    pick = -1
                out[li] = pick
    return match
