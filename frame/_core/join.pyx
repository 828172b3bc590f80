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
