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
from libc.stdint cimport int64_t, uint8_t, uint64_t

from frame._core.bitmap cimport get_bit
from frame._core.buffer cimport OwnedBuffer, allocate
from frame._core.dtypes cimport int_t
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



def unique_positions(const int64_t[::1] build_codes, int64_t ncodes, int64_t nkeys):
    """``pos[c]`` for ``c`` in ``[0, ncodes)``: the one build row with code ``c`` (-1: none), or
    None as soon as a code below ``nkeys`` appears twice. Codes from ``nkeys`` up (the null
    sentinels, which match nothing) and outside the range are never stored.

    For a build side whose keys do not repeat -- a dimension table, every db-benchmark right
    table -- this array is the whole hash table: one scattered write per build row, where the
    counting sort (``group_order``) takes two passes and leaves two reads per probe.
    """
    cdef int64_t n = build_codes.shape[0], i, c
    cdef bint dup = False
    if ncodes < 0 or nkeys > ncodes:
        raise ValueError("need 0 <= nkeys <= ncodes")
    pos = _empty(max(ncodes, 1))[:ncodes]
    cdef int64_t[::1] p = pos
    with nogil:
        for i in range(ncodes):
            p[i] = -1
        for i in range(n):
            c = build_codes[i]
            if c < 0 or c >= nkeys:
                continue
            if p[c] >= 0:
                dup = True
                break
            p[c] = i
    return None if dup else pos


cdef void _lookup_counts(const int64_t* codes, const int64_t* pos, int64_t npos, int64_t n,
                         int64_t* matched, int64_t* bad, int64_t nb, int nt) noexcept nogil:
    """Per block: probe rows with a match, and codes outside ``[0, npos)``."""
    cdef int64_t b, i, s, e, t, x, c
    for b in prange(nb, schedule="static", num_threads=nt):
        s = b * _BLOCK
        e = min(n, s + _BLOCK)
        t = 0
        x = 0
        for i in range(s, e):
            c = codes[i]
            if c < 0 or c >= npos:
                x = x + 1
                continue
            t = t + (pos[c] >= 0)
        matched[b] = t
        bad[b] = x


def join_lookup(const int64_t[::1] probe_codes, const int64_t[::1] pos, bint keep_unmatched):
    """The join against a build side whose keys do not repeat (``pos`` from
    ``unique_positions``; probe codes must lie in ``[0, len(pos))``).

    ``keep_unmatched`` (left join): the build row of every probe row, -1 where none matches;
    the probe rows are ``0 .. n-1``. Otherwise (inner join): ``(bitmap, build_rows)`` -- an
    LSB-first bitmap with bit ``i`` set when probe row ``i`` matches, and the matched rows'
    build rows in probe order -- so the caller filters the probe side's columns (copying runs
    of rows) instead of gathering them, and never builds an index of the probe rows. Blocks of
    ``_BLOCK`` rows (a multiple of 8) write disjoint bitmap bytes, in parallel.
    """
    cdef int64_t n = probe_codes.shape[0]
    cdef int64_t nb = (n + _BLOCK - 1) // _BLOCK
    cdef int64_t npos = pos.shape[0]
    cdef int nt = n_threads_for(n)
    cdef int64_t b, i, s, e, c, r, at, total
    cdef uint8_t byte
    matched = np.zeros(max(nb, 1), dtype=np.int64)
    bad = np.zeros(max(nb, 1), dtype=np.int64)
    cdef int64_t[::1] mv = matched
    cdef int64_t[::1] xv = bad
    if n:
        with nogil:
            _lookup_counts(&probe_codes[0], &pos[0] if npos else NULL, npos, n, &mv[0], &xv[0],
                           nb, nt)
    if bad.any():
        raise ValueError(f"probe codes must lie in [0, {npos})")
    cdef int64_t[::1] out
    if keep_unmatched:
        build_rows = _empty(max(n, 1))
        out = build_rows
        if n:
            with nogil:
                for i in prange(n, schedule="static", num_threads=nt):
                    out[i] = pos[probe_codes[i]]
        return build_rows[:n]
    starts = np.zeros(nb + 1, dtype=np.int64)
    np.cumsum(matched[:nb], out=starts[1:])
    total = int(starts[nb])
    cdef int64_t[::1] st = starts
    build_rows = _empty(max(total, 1))
    out = build_rows
    bitmap = allocate((n + 7) // 8, False)
    cdef uint8_t* bits = (<OwnedBuffer>bitmap).data
    if n:
        with nogil:
            for b in prange(nb, schedule="static", num_threads=nt):
                s = b * _BLOCK
                e = min(n, s + _BLOCK)
                at = st[b]
                byte = 0
                for i in range(s, e):
                    r = pos[probe_codes[i]]
                    if r >= 0:
                        out[at] = r
                        at = at + 1
                        byte = byte | <uint8_t>(1 << (i & 7))
                    if (i & 7) == 7:
                        bits[i >> 3] = byte
                        byte = 0
                if (e & 7) != 0:
                    bits[(e - 1) >> 3] = byte
    return bitmap, build_rows[:total]


def direct_codes(const int_t[::1] values, const uint8_t[::1] validity, int64_t bit_offset,
                 int_t base, int64_t size, int64_t sentinel):
    """Codes of integer keys whose range is small: ``value - base`` for a valid value inside
    ``[base, base + size)``, ``sentinel`` for a null or a value outside it (which cannot match).

    The joint factorize this replaces walks a direct table in random order (one cache miss per
    row once the range outgrows the cache); this is one sequential, parallel pass. ``validity``
    is the Arrow bitmap (empty when there are no nulls) and ``bit_offset`` the array's offset.
    """
    cdef int64_t n = values.shape[0], i
    cdef uint64_t k
    cdef bint has_valid = validity.shape[0] > 0
    cdef int nt = n_threads_for(n)
    if size < 0 or sentinel < 0:
        raise ValueError("size and sentinel must be >= 0")
    if has_valid and validity.shape[0] * 8 < bit_offset + n:
        raise ValueError("the validity bitmap is shorter than the values")
    codes = _empty(max(n, 1))[:n]
    cdef int64_t[::1] out = codes
    cdef const uint8_t* vb = &validity[0] if has_valid else NULL
    if n:
        with nogil:
            for i in prange(n, schedule="static", num_threads=nt):
                k = <uint64_t>values[i] - <uint64_t>base
                if k >= <uint64_t>size or (vb != NULL and not get_bit(vb, bit_offset + i)):
                    out[i] = sentinel
                else:
                    out[i] = <int64_t>k
    return codes


def mapped_codes(const int_t[::1] indices, const uint8_t[::1] validity, int64_t bit_offset,
                 const int64_t[::1] mapping, int64_t sentinel):
    """Codes of dictionary-encoded keys: ``mapping[index]`` for a valid index, ``sentinel`` for
    a null row (or an index outside the mapping, which a valid array never has).

    ``mapping`` holds the joint code of every dictionary entry, so a join on dictionary keys
    hashes only the two dictionaries and then makes one parallel pass over the indices.
    """
    cdef int64_t n = indices.shape[0], i, nmap = mapping.shape[0]
    cdef uint64_t k
    cdef bint has_valid = validity.shape[0] > 0
    cdef int nt = n_threads_for(n)
    if has_valid and validity.shape[0] * 8 < bit_offset + n:
        raise ValueError("the validity bitmap is shorter than the indices")
    codes = _empty(max(n, 1))[:n]
    cdef int64_t[::1] out = codes
    cdef const uint8_t* vb = &validity[0] if has_valid else NULL
    cdef const int64_t* mp = &mapping[0] if nmap else NULL
    if n:
        with nogil:
            for i in prange(n, schedule="static", num_threads=nt):
                k = <uint64_t>indices[i]
                if k >= <uint64_t>nmap or (vb != NULL and not get_bit(vb, bit_offset + i)):
                    out[i] = sentinel
                else:
                    out[i] = mp[k]
    return codes

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


def asof_match_sorted(const asof_t[::1] lvals, const int64_t[::1] lcodes, int64_t ng,
                      const asof_t[::1] rvals, const int64_t[::1] rorder, const int64_t[::1] roff,
                      int strategy, bint allow_exact, bint has_tolerance, double tolerance):
    """``asof_match`` for a left side already ascending by value (over the rows whose group
    code is below ``ng``; the others match nothing), or None when it is not.

    The left rows are walked in row order -- sequential reads and writes instead of a gather
    through the group order -- with one cursor per group into that group's right rows (their
    values gathered once into (value, row) pairs, so a step reads one cache line). Each thread takes a contiguous range of left rows and
    starts every cursor at its group's first right row, so the answer does not depend on the
    thread count; a thread finding a descent gives up and the caller sorts instead.
    """
    cdef int64_t n = lvals.shape[0], nr = rorder.shape[0], g, k, j, f, hi, lo, i, back, fwd, pick
    cdef int64_t s, e, t, nchunk
    cdef asof_t x, prev
    cdef bint seen
    cdef int nt = n_threads_for(n)
    if roff.shape[0] - 1 != ng or lcodes.shape[0] != n:
        raise ValueError("lcodes must cover the left rows and roff the ng groups")
    match = _empty(max(n, 1))[:n]
    cdef int64_t[::1] out = match
    dt = np.float64 if asof_t is double else np.int64
    rsorted = np.empty(2 * max(nr, 1), dtype=dt)   # (value, right row) pairs in group order
    cdef asof_t[::1] rv = rsorted
    ends = np.zeros((2, max(nt, 1)), dtype=dt)   # each chunk's first and last checked value
    cdef asof_t[:, ::1] ev = ends
    has = np.zeros(max(nt, 1), dtype=np.uint8)
    cdef unsigned char[::1] hv = has
    cursors = np.empty((max(nt, 1), max(ng, 1)), dtype=np.int64)
    cdef int64_t[:, ::1] cur = cursors
    unsorted = np.zeros(max(nt, 1), dtype=np.uint8)
    cdef unsigned char[::1] bad = unsorted
    nchunk = nt
    with nogil:
        for k in prange(nr, schedule="static", num_threads=nt):
            rv[2 * k] = rvals[rorder[k]]
            rv[2 * k + 1] = <asof_t>rorder[k]   # exact: row numbers are far below 2**53
        for t in prange(nchunk, schedule="static", num_threads=nt):
            s = n * t // nchunk
            e = n * (t + 1) // nchunk
            for g in range(ng):
                cur[t, g] = roff[g]
            seen = False
            prev = 0
            for i in range(s, e):
                g = lcodes[i]
                if g < 0 or g >= ng:
                    out[i] = -1
                    continue
                x = lvals[i]
                if seen and x < prev:
                    bad[t] = 1
                    break
                if not seen:
                    ev[0, t] = x
                    hv[t] = 1
                seen = True
                prev = x
                ev[1, t] = x
                lo = roff[g]
                hi = roff[g + 1]
                j = cur[t, g]
                if strategy == 1:
                    while j < hi and (rv[2 * j] < x or (not allow_exact and rv[2 * j] == x)):
                        j = j + 1
                    pick = <int64_t>rv[2 * j + 1] if j < hi else -1
                    f = j
                else:
                    while j < hi and (rv[2 * j] < x or (allow_exact and rv[2 * j] == x)):
                        j = j + 1
                    back = j - 1 if j > lo else -1
                    pick = back
                    if strategy == 2:
                        f = j
                        while not allow_exact and f < hi and rv[2 * f] == x:
                            f = f + 1
                        fwd = f if f < hi else -1
                        if fwd >= 0 and (back < 0 or _dist(rv[2 * fwd], x) < _dist(x, rv[2 * back])):
                            pick = fwd
                    if pick >= 0:
                        f = pick
                        pick = <int64_t>rv[2 * pick + 1]
                cur[t, g] = j
                if pick >= 0 and has_tolerance and _dist(rv[2 * f], x) > tolerance:
                    pick = -1
                out[i] = pick
    if unsorted.any():
        return None
    # the chunks ascend inside; they must also ascend across their boundaries
    last = None
    for t in range(nchunk):
        if has[t]:
            if last is not None and ends[0, t] < last:
                return None
            last = ends[1, t]
    return match
