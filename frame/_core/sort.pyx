"""Stable multi-key argsort by rank codes and LSD radix sort.

Layouts: every ``ArrayView`` layout (NULL, BOOL, FIXED ints / floats / temporal / decimal /
fixed-size binary, VARBIN32, VARBIN64, VIEW) and dictionary arrays (ordered by value).

Pipeline (all loops run without the GIL):

1. Every key becomes one or more *sub-keys*, each an order-preserving unsigned code of minimal
   width: integers ``value - min`` (after a sign flip), floats their IEEE bits made monotone
   (negatives inverted, ``-0.0 -> 0.0``, every NaN one value above ``+inf``) minus the minimum,
   booleans their bit, decimal128 ``value - min`` when the range fits 64 bits (else its two words),
   decimal256 its four words; strings, binaries and dictionaries are factorized
   (``hashing._factorize_impl``), the uniques sorted (merge sort with ``memcmp``; dictionary
   values recursively) and rows mapped to dense ranks. Descending inverts the code; nulls take
   ``0`` or ``max + 1`` (a separate 1-bit flag when the value range already spans 64 bits).
2. The codes of all sub-keys form one bit string per row, most significant key first. Its top
   ``64 - bits(n - 1)`` bits are packed with the row number into one ``uint64`` per row and sorted
   by an LSD radix sort (<= 11-bit digits, one histogram pass for every digit, digits where every
   row falls in one bucket are skipped). With the row number in the low bits the result is the
   stable order.
3. Runs of rows that tie on those bits (only when the bit string is longer) are refined with the
   next bits of the string, recursively: a run is re-packed with its local positions and sorted
   by insertion sort (<= 32 rows) or radix sort.

Cost: O(n * passes) with passes = ceil(bits / 11) for the packed prefix, plus the ties.
"""
import numpy as np
import pyarrow as pa

from libc.stdint cimport (
    int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t,
)
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset

from frame._core.arrow_view cimport ArrayView
from frame._core.bitmap cimport get_bit
from frame._core.sort_types cimport (
    BytesSrc, bytes_at, bytes_cmp, bytes_source, fbits_t, float_mono, int_t, load_u64,
)

from frame._core.hashing import _factorize_impl, classify


cdef enum SubKind:
    SK_INT = 0       # integers of every width (``signed`` picks the sign flip)
    SK_FLOAT = 1     # float16 / float32 / float64 through their bits
    SK_BOOL = 2      # bit-packed booleans
    SK_CODES = 3     # precomputed uint64 ranks, _SENT = null (strings, binaries, dictionaries)
    SK_DEC128 = 4    # decimal128 whose range fits in 64 bits: code = low word - min low word
    SK_WORD = 5      # one 64-bit word of a wide decimal (``word``; the top word is signed)
    SK_NULLFLAG = 6  # 1 bit: null or not (when a 64-bit value range leaves no room for the null)


cdef struct SubKey:
    int kind
    int width                # bytes per element (INT, FLOAT, DEC128, WORD)
    int word                 # SK_WORD: index of the 64-bit word inside the element
    bint signed
    const uint8_t* data
    int64_t offset           # logical offset of ``data`` (elements)
    const uint8_t* validity  # NULL when the sub-key needs no null test
    int64_t voffset
    int null_mode            # 0: no nulls; 1: null rows -> null_code
    uint64_t null_code
    uint64_t xr              # code = (raw ^ xr) - sub
    uint64_t sub
    int bits                 # width of the code
    int start                # first bit of this code in the row's bit string (0 = most significant)


cdef uint64_t _SENT = 0xFFFFFFFFFFFFFFFF
cdef uint64_t _ALL = 0xFFFFFFFFFFFFFFFF
cdef uint64_t _FLIP = 0x8000000000000000
cdef int _INSERTION_MAX = 32
cdef int64_t _MSD_MIN = 1 << 16


cdef inline int _bitlen(uint64_t x) noexcept nogil:
    cdef int b = 0
    while x:
        b += 1
        x >>= 1
    return b


cdef inline uint64_t _mask(int w) noexcept nogil:
    if w >= 64:
        return _ALL
    return ((<uint64_t>1) << w) - 1


# ------------------------------------------------------------------------------------------------
# per-row codes

cdef inline uint64_t _raw_int(const uint8_t* d, int width, int64_t j) noexcept nogil:
    """(uint64)(int64)value for signed widths; the plain value for unsigned (sign handled in xr)."""
    if width == 8:
        return (<const uint64_t*>d)[j]
    if width == 4:
        return <uint64_t>(<const int32_t*>d)[j]
    if width == 2:
        return <uint64_t>(<const int16_t*>d)[j]
    return <uint64_t>(<const int8_t*>d)[j]


cdef inline uint64_t _raw_uint(const uint8_t* d, int width, int64_t j) noexcept nogil:
    if width == 8:
        return (<const uint64_t*>d)[j]
    if width == 4:
        return (<const uint32_t*>d)[j]
    if width == 2:
        return (<const uint16_t*>d)[j]
    return (<const uint8_t*>d)[j]


cdef inline uint64_t _raw_at(const SubKey* sk, int64_t i) noexcept nogil:
    cdef int64_t j = sk.offset + i
    cdef int k = sk.kind
    if k == SK_INT:
        if sk.signed:
            return _raw_int(sk.data, sk.width, j)
        return _raw_uint(sk.data, sk.width, j)
    if k == SK_FLOAT:
        if sk.width == 8:
            return float_mono((<const uint64_t*>sk.data)[j])
        if sk.width == 4:
            return float_mono((<const uint32_t*>sk.data)[j])
        return float_mono((<const uint16_t*>sk.data)[j])
    if k == SK_BOOL:
        return get_bit(sk.data, j)
    if k == SK_CODES:
        return (<const uint64_t*>sk.data)[j]
    if k == SK_DEC128:
        return load_u64(sk.data + j * 16)
    if k == SK_WORD:
        return load_u64(sk.data + j * sk.width + sk.word * 8)
    return 0


cdef inline bint _is_null(const SubKey* sk, int64_t i) noexcept nogil:
    if sk.kind == SK_CODES:
        return (<const uint64_t*>sk.data)[sk.offset + i] == _SENT
    return not get_bit(sk.validity, sk.voffset + i)


cdef inline uint64_t _code_at(const SubKey* sk, int64_t i) noexcept nogil:
    if sk.null_mode and _is_null(sk, i):
        return sk.null_code
    return (_raw_at(sk, i) ^ sk.xr) - sk.sub


cdef uint64_t _chunk_at(const SubKey* sks, int nsk, int64_t row, int p, int w) noexcept nogil:
    """Bits ``[p, p + w)`` of the row's bit string, as an integer of ``w`` bits."""
    cdef uint64_t out = 0, c
    cdef int s, a, b, lo, hi
    cdef int end = p + w
    for s in range(nsk):
        a = sks[s].start
        b = a + sks[s].bits
        if b <= p:
            continue
        if a >= end:
            break
        lo = a if a > p else p
        hi = b if b < end else end
        c = _code_at(&sks[s], row)
        c = (c >> (b - hi)) & _mask(hi - lo)
        out = (out << (hi - lo)) | c
    return out


# ------------------------------------------------------------------------------------------------
# packing: g[i] = (g[i] << wb) | part_i  (then the row number appended when rowbits > 0)

cdef void _pack_int(const int_t* vals, const SubKey* sk, uint64_t* g, int64_t n, int rshift,
                    int wb, bint first, int rowbits) noexcept nogil:
    cdef int64_t i, off = sk.offset, voff = sk.voffset
    cdef uint64_t c, xr = sk.xr, sub = sk.sub, ncode = sk.null_code, m = _mask(wb)
    cdef const uint8_t* valid = sk.validity if sk.null_mode else NULL
    for i in range(n):
        c = ((<uint64_t><int64_t>vals[off + i] ^ xr) - sub)
        if valid != NULL and not get_bit(valid, voff + i):
            c = ncode
        c = (c >> rshift) & m
        if not first:
            c = (g[i] << wb) | c
        if rowbits:
            c = (c << rowbits) | <uint64_t>i
        g[i] = c


cdef void _pack_float(const fbits_t* vals, const SubKey* sk, uint64_t* g, int64_t n, int rshift,
                      int wb, bint first, int rowbits) noexcept nogil:
    cdef int64_t i, off = sk.offset, voff = sk.voffset
    cdef uint64_t c, xr = sk.xr, sub = sk.sub, ncode = sk.null_code, m = _mask(wb)
    cdef const uint8_t* valid = sk.validity if sk.null_mode else NULL
    for i in range(n):
        c = (float_mono(vals[off + i]) ^ xr) - sub
        if valid != NULL and not get_bit(valid, voff + i):
            c = ncode
        c = (c >> rshift) & m
        if not first:
            c = (g[i] << wb) | c
        if rowbits:
            c = (c << rowbits) | <uint64_t>i
        g[i] = c


cdef void _pack_generic(const SubKey* sk, uint64_t* g, int64_t n, int rshift, int wb, bint first,
                        int rowbits) noexcept nogil:
    cdef int64_t i
    cdef uint64_t c, m = _mask(wb)
    for i in range(n):
        c = (_code_at(sk, i) >> rshift) & m
        if not first:
            c = (g[i] << wb) | c
        if rowbits:
            c = (c << rowbits) | <uint64_t>i
        g[i] = c


cdef void _pack(const SubKey* sk, uint64_t* g, int64_t n, int rshift, int wb, bint first,
                int rowbits) noexcept nogil:
    cdef const uint8_t* d = sk.data
    if sk.kind == SK_INT:
        if sk.signed:
            if sk.width == 8:
                _pack_int(<const int64_t*>d, sk, g, n, rshift, wb, first, rowbits)
            elif sk.width == 4:
                _pack_int(<const int32_t*>d, sk, g, n, rshift, wb, first, rowbits)
            elif sk.width == 2:
                _pack_int(<const int16_t*>d, sk, g, n, rshift, wb, first, rowbits)
            else:
                _pack_int(<const int8_t*>d, sk, g, n, rshift, wb, first, rowbits)
        else:
            if sk.width == 8:
                _pack_int(<const uint64_t*>d, sk, g, n, rshift, wb, first, rowbits)
            elif sk.width == 4:
                _pack_int(<const uint32_t*>d, sk, g, n, rshift, wb, first, rowbits)
            elif sk.width == 2:
                _pack_int(<const uint16_t*>d, sk, g, n, rshift, wb, first, rowbits)
            else:
                _pack_int(<const uint8_t*>d, sk, g, n, rshift, wb, first, rowbits)
    elif sk.kind == SK_FLOAT:
        if sk.width == 8:
            _pack_float(<const uint64_t*>d, sk, g, n, rshift, wb, first, rowbits)
        elif sk.width == 4:
            _pack_float(<const uint32_t*>d, sk, g, n, rshift, wb, first, rowbits)
        else:
            _pack_float(<const uint16_t*>d, sk, g, n, rshift, wb, first, rowbits)
    else:
        _pack_generic(sk, g, n, rshift, wb, first, rowbits)


cdef void _pack_prefix(const SubKey* sks, int nsk, uint64_t* g, int64_t n, int w,
                       int rowbits) noexcept nogil:
    """g[i] = (bits [0, w) of row i's bit string) << rowbits | i."""
    cdef int s, a, b, hi, last = -1
    cdef bint first = True
    for s in range(nsk):
        if sks[s].start < w:
            last = s
    for s in range(last + 1):
        a = sks[s].start
        b = a + sks[s].bits
        hi = b if b < w else w
        _pack(&sks[s], g, n, b - hi, hi - a, first, rowbits if s == last else 0)
        first = False


# ------------------------------------------------------------------------------------------------
# radix sort of packed keys: sort a[0:n] by bits [lo, lo + nbits); bits above are zero and the
# bits below increase with the original position, so the result is the stable order.

cdef void _insertion(uint64_t* a, int64_t n) noexcept nogil:
    cdef int64_t i, j
    cdef uint64_t v
    for i in range(1, n):
        v = a[i]
        j = i - 1
        while j >= 0 and a[j] > v:
            a[j + 1] = a[j]
            j -= 1
        a[j + 1] = v


cdef uint64_t* _lsd(uint64_t* a, uint64_t* b, int64_t n, int lo, int nbits,
                    int* status) noexcept nogil:
    """LSD radix sort; returns the buffer (``a`` or ``b``) that holds the result."""
    cdef int max_d, passes, d, p, sh
    cdef int64_t nb, i, k, total, c
    cdef int64_t* hist
    cdef int64_t* h
    cdef uint64_t m, v
    cdef uint64_t* src = a
    cdef uint64_t* dst = b
    cdef uint64_t* t
    if n < 2 or nbits <= 0:
        return a
    if n <= _INSERTION_MAX:
        _insertion(a, n)
        return a
    max_d = 11 if n >= 1024 else 8
    passes = (nbits + max_d - 1) // max_d
    d = (nbits + passes - 1) // passes
    nb = (<int64_t>1) << d
    m = <uint64_t>(nb - 1)
    hist = <int64_t*>malloc(<size_t>(passes * nb) * sizeof(int64_t))
    if hist == NULL:
        status[0] = -1
        return a
    memset(hist, 0, <size_t>(passes * nb) * sizeof(int64_t))
    for i in range(n):
        v = a[i] >> lo
        for p in range(passes):
            hist[p * nb + <int64_t>((v >> (p * d)) & m)] += 1
    for p in range(passes):
        h = hist + p * nb
        sh = lo + p * d
        if h[<int64_t>((src[0] >> sh) & m)] == n:
            continue                              # every key has the same digit
        total = 0
        for k in range(nb):
            c = h[k]
            h[k] = total
            total += c
        for i in range(n):
            v = src[i]
            k = <int64_t>((v >> sh) & m)
            dst[h[k]] = v
            h[k] += 1
        t = src
        src = dst
        dst = t
    free(hist)
    return src


cdef void _hist_range(const uint64_t* a, int64_t i0, int64_t i1, int sh, uint64_t m,
                      int64_t* h) noexcept nogil:
    cdef int64_t i
    for i in range(i0, i1):
        h[<int64_t>((a[i] >> sh) & m)] += 1


cdef void _scatter_range(const uint64_t* a, uint64_t* b, int64_t i0, int64_t i1, int sh,
                         uint64_t m, int64_t* off) noexcept nogil:
    cdef int64_t i, k
    cdef uint64_t v
    for i in range(i0, i1):
        v = a[i]
        k = <int64_t>((v >> sh) & m)
        b[off[k]] = v
        off[k] += 1


cdef uint64_t* _radix(uint64_t* a, uint64_t* b, int64_t n, int lo, int nbits,
                      int* status) noexcept nogil:
    """Stable sort of a[0:n] by bits [lo, lo + nbits); returns the buffer holding the result.

    Large inputs: one MSD pass on the top digit (sized so buckets of ~4k keys stay in cache),
    then every bucket is sorted by the remaining bits in cache (recursively, LSD when small).
    Serial on purpose: on the 2-core machines a 2-thread histogram / scatter / bucket split
    measured no faster (0.20 s vs 0.17 s for 1e7 rows, see scratch_sort_timing.py).
    """
    cdef int d1, sh
    cdef int64_t nb, k, c, total
    cdef uint64_t m
    cdef int64_t* counts
    cdef bint single = False
    while True:
        if n < _MSD_MIN or nbits <= 12:
            return _lsd(a, b, n, lo, nbits, status)
        d1 = _bitlen(<uint64_t>(n >> 12))
        if d1 < 8:
            d1 = 8
        if d1 > 14:
            d1 = 14
        if d1 > nbits:
            d1 = nbits
        nb = (<int64_t>1) << d1
        m = <uint64_t>(nb - 1)
        sh = lo + nbits - d1
        counts = <int64_t*>malloc(<size_t>(2 * nb + 1) * sizeof(int64_t))
        if counts == NULL:
            status[0] = -1
            return a
        memset(counts, 0, <size_t>nb * sizeof(int64_t))
        _hist_range(a, 0, n, sh, m, counts)
        # counts[0:nb] -> scatter offsets; counts[nb:2nb+1] -> bucket starts
        total = 0
        single = False
        for k in range(nb):
            c = counts[k]
            counts[nb + k] = total
            counts[k] = total
            total += c
            if c == n:
                single = True
        counts[2 * nb] = n
        if single:
            free(counts)
            nbits -= d1       # the top digit is the same everywhere: drop it
            continue
        _scatter_range(a, b, 0, n, sh, m, counts)
        for k in range(nb):
            _sort_bucket(a, b, counts[nb + k], counts[nb + k + 1] - counts[nb + k], lo,
                         nbits - d1, status)
        free(counts)
        return b


cdef void _sort_bucket(uint64_t* a, uint64_t* b, int64_t start, int64_t m, int lo, int nbits,
                       int* status) noexcept nogil:
    """Sort b[start:start+m] in place (a[start:start+m] is scratch)."""
    cdef uint64_t* r
    if m < 2:
        return
    r = _radix(b + start, a + start, m, lo, nbits, status)
    if r != b + start:
        memcpy(b + start, r, <size_t>m * sizeof(uint64_t))


# ------------------------------------------------------------------------------------------------
# refinement of tied runs

cdef struct Ctx:
    const SubKey* sks
    int nsk
    int total_bits
    int64_t* perm
    uint64_t* kb        # keys of the run being refined (indexed by global position)
    uint64_t* tb        # scratch of at least the longest run
    int status


cdef void _refine(Ctx* ctx, int64_t s, int64_t e, int p) noexcept nogil:
    """Sort perm[s:e] (rows ascending, tied on bits [0, p)) by bits [p, total_bits)."""
    cdef int64_t L = e - s, j, j0
    cdef int lbits = _bitlen(<uint64_t>(L - 1))
    cdef int w = 64 - lbits
    cdef uint64_t lmask = _mask(lbits)
    cdef uint64_t* kb = ctx.kb + s
    cdef uint64_t* res
    cdef int64_t* tmp_perm
    cdef uint64_t key
    if w > ctx.total_bits - p:
        w = ctx.total_bits - p
    for j in range(L):
        kb[j] = (_chunk_at(ctx.sks, ctx.nsk, ctx.perm[s + j], p, w) << lbits) | <uint64_t>j
    res = _radix(kb, ctx.tb, L, lbits, w, &ctx.status)
    if res != kb:
        memcpy(kb, res, <size_t>L * sizeof(uint64_t))
    tmp_perm = <int64_t*>ctx.tb
    for j in range(L):
        tmp_perm[j] = ctx.perm[s + <int64_t>(kb[j] & lmask)]
    memcpy(ctx.perm + s, tmp_perm, <size_t>L * sizeof(int64_t))
    if p + w >= ctx.total_bits:
        return
    j0 = 0
    while j0 < L:
        key = kb[j0] >> lbits
        j = j0 + 1
        while j < L and (kb[j] >> lbits) == key:
            j += 1
        if j - j0 > 1:
            _refine(ctx, s + j0, s + j, p + w)
        j0 = j


cdef void _extract_and_refine(Ctx* ctx, uint64_t* res, int64_t n, int rowbits, int w0,
                              int64_t* perm) noexcept nogil:
    """perm[i] = row of sorted key i; runs tied on the first w0 bits are refined on the way."""
    cdef int64_t i, j, j0, cap = 0
    cdef uint64_t rmask = _mask(rowbits), key
    cdef uint64_t* grown
    if w0 >= ctx.total_bits:
        for i in range(n):
            perm[i] = <int64_t>(res[i] & rmask)
        return
    ctx.kb = res
    ctx.perm = perm
    ctx.tb = NULL
    j0 = 0
    while j0 < n:
        key = res[j0] >> rowbits
        perm[j0] = <int64_t>(res[j0] & rmask)
        j = j0 + 1
        while j < n and (res[j] >> rowbits) == key:
            perm[j] = <int64_t>(res[j] & rmask)
            j += 1
        if j - j0 > 1:
            if j - j0 > cap:
                cap = 2 * (j - j0) if 2 * (j - j0) > 64 else 64
                grown = <uint64_t*>malloc(<size_t>cap * sizeof(uint64_t))
                if grown == NULL:
                    ctx.status = -1
                    break
                free(ctx.tb)
                ctx.tb = grown
            _refine(ctx, j0, j, w0)
        j0 = j
    free(ctx.tb)
    ctx.tb = NULL


# ------------------------------------------------------------------------------------------------
# analysis: min / max of the monotone raw code over valid rows

cdef int64_t _minmax_int(const int_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                         uint64_t flip, uint64_t* mn, uint64_t* mx) noexcept nogil:
    cdef int64_t i, cnt = 0
    cdef uint64_t lo = _ALL, hi = 0, v
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            continue
        v = (<uint64_t><int64_t>vals[off + i]) ^ flip
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        cnt += 1
    mn[0] = lo
    mx[0] = hi
    return cnt


cdef int64_t _minmax_float(const fbits_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                           uint64_t* mn, uint64_t* mx) noexcept nogil:
    cdef int64_t i, cnt = 0
    cdef uint64_t lo = _ALL, hi = 0, v
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            continue
        v = float_mono(vals[off + i])
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        cnt += 1
    mn[0] = lo
    mx[0] = hi
    return cnt


cdef int64_t _minmax_sub(const SubKey* sk, int64_t n, uint64_t flip, uint64_t* mn,
                         uint64_t* mx) noexcept nogil:
    """Generic min / max of ``raw ^ flip`` over rows valid in ``sk.validity``."""
    cdef int64_t i, cnt = 0
    cdef uint64_t lo = _ALL, hi = 0, v
    for i in range(n):
        if sk.validity != NULL and not get_bit(sk.validity, sk.voffset + i):
            continue
        v = _raw_at(sk, i) ^ flip
        if v < lo:
            lo = v
        if v > hi:
            hi = v
        cnt += 1
    mn[0] = lo
    mx[0] = hi
    return cnt


cdef int64_t _minmax_dec128(const uint8_t* d, const uint8_t* valid, int64_t off, int64_t n,
                            uint64_t* mn, uint64_t* mx) noexcept nogil:
    """mn / mx = (lo, hi) words of the signed 128-bit min and max (hi words sign-flipped)."""
    cdef int64_t i, cnt = 0
    cdef uint64_t lo_l = _ALL, lo_h = _ALL, hi_l = 0, hi_h = 0, vl, vh
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            continue
        vl = load_u64(d + (off + i) * 16)
        vh = load_u64(d + (off + i) * 16 + 8) ^ _FLIP
        if vh < lo_h or (vh == lo_h and vl < lo_l):
            lo_h = vh
            lo_l = vl
        if vh > hi_h or (vh == hi_h and vl > hi_l):
            hi_h = vh
            hi_l = vl
        cnt += 1
    mn[0] = lo_l
    mn[1] = lo_h
    mx[0] = hi_l
    mx[1] = hi_h
    return cnt


# ------------------------------------------------------------------------------------------------
# merge sort of distinct byte strings (uniques of a string key)

cdef void _msort_bytes(int64_t* a, int64_t* t, int64_t n, const uint8_t** ptrs,
                       const int64_t* lens) noexcept nogil:
    cdef int64_t width, lo, mid, hi, i, j, k, x
    cdef int64_t* src = a
    cdef int64_t* dst = t
    cdef int64_t* tmp
    # insertion sort blocks of 16
    for lo in range(0, n, 16):
        hi = lo + 16 if lo + 16 < n else n
        for i in range(lo + 1, hi):
            x = a[i]
            j = i - 1
            while j >= lo and bytes_cmp(ptrs[a[j]], lens[a[j]], ptrs[x], lens[x]) > 0:
                a[j + 1] = a[j]
                j -= 1
            a[j + 1] = x
    width = 16
    while width < n:
        lo = 0
        while lo < n:
            mid = lo + width if lo + width < n else n
            hi = lo + 2 * width if lo + 2 * width < n else n
            i = lo
            j = mid
            k = lo
            while i < mid and j < hi:
                if bytes_cmp(ptrs[src[j]], lens[src[j]], ptrs[src[i]], lens[src[i]]) < 0:
                    dst[k] = src[j]
                    j += 1
                else:
                    dst[k] = src[i]
                    i += 1
                k += 1
            while i < mid:
                dst[k] = src[i]
                i += 1
                k += 1
            while j < hi:
                dst[k] = src[j]
                j += 1
                k += 1
            lo = hi
        tmp = src
        src = dst
        dst = tmp
        width *= 2
    if src != a:
        memcpy(a, src, <size_t>n * sizeof(int64_t))


cdef void _map_ranks(const int64_t* codes, const uint64_t* rank, int64_t n,
                     uint64_t* out) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        out[i] = rank[codes[i]]


def _sorted_unique_order(arr, rows):
    """Order of the (distinct, non-null) values ``arr[rows]``: positions into ``rows``."""
    cdef ArrayView v
    cdef BytesSrc src
    cdef int64_t m = len(rows), i, ln
    cdef int64_t[::1] rows_mv, order_mv, tmp_mv, lens_mv
    cdef uint64_t[::1] ptrs_mv
    kind, _signed, _width = classify(arr.type)
    if m == 0:
        return np.empty(0, dtype=np.int64)
    if kind == "dict":
        idx = arr.indices.take(pa.array(rows))
        values = arr.dictionary.take(idx)
        return argsort([values], [False], [True])
    v = ArrayView(arr)
    keep = bytes_source(v, &src)
    rows = np.ascontiguousarray(rows, dtype=np.int64)
    rows_mv = rows
    ptrs = np.empty(m, dtype=np.uint64)
    lens = np.empty(m, dtype=np.int64)
    ptrs_mv = ptrs
    lens_mv = lens
    order = np.arange(m, dtype=np.int64)
    tmp = np.empty(m, dtype=np.int64)
    order_mv = order
    tmp_mv = tmp
    with nogil:
        for i in range(m):
            ptrs_mv[i] = <uint64_t>bytes_at(&src, rows_mv[i], &ln)
            lens_mv[i] = ln
        _msort_bytes(&order_mv[0], &tmp_mv[0], m, <const uint8_t**>&ptrs_mv[0], &lens_mv[0])
    del keep
    return order


def _dense_ranks(arr):
    """``(codes uint64, n_distinct, has_nulls)``: rank of each row's value among the distinct
    non-null values; null rows (including dictionary entries that are null) get ``_SENT``."""
    cdef int64_t[::1] codes_mv
    cdef uint64_t[::1] rank_mv, out_mv
    cdef int64_t n = len(arr)
    codes, nu, first, nc = _factorize_impl(arr)
    ids = np.arange(nu, dtype=np.int64)
    if nc >= 0:
        ids = ids[ids != nc]
    order = _sorted_unique_order(arr, first[ids])
    rank = np.empty(max(nu, 1), dtype=np.uint64)
    rank[ids[order]] = np.arange(len(ids), dtype=np.uint64)
    if nc >= 0:
        rank[nc] = _SENT
    out = np.empty(n, dtype=np.uint64)
    if n:
        codes_mv = codes
        rank_mv = rank
        out_mv = out
        with nogil:
            _map_ranks(&codes_mv[0], &rank_mv[0], n, &out_mv[0])
    return out, len(ids), nc >= 0


# ------------------------------------------------------------------------------------------------
# building sub-keys (with the GIL; the scans release it)

cdef class _Sub:
    """One sub-key plus the Python objects that keep its buffers alive."""
    cdef SubKey sk
    cdef object owner


cdef _Sub _new_sub(int kind, object owner):
    cdef _Sub s = _Sub.__new__(_Sub)
    memset(&s.sk, 0, sizeof(SubKey))
    s.sk.kind = kind
    s.owner = owner
    return s


cdef void _finalize(_Sub s, uint64_t mn, uint64_t mx, uint64_t flip, bint has_nulls,
                    bint carries_nulls, bint descending, bint nulls_last):
    """Set null handling, the code transform and the width from the valid range [mn, mx]."""
    cdef uint64_t rng = mx - mn, vshift = 0, top = rng
    if not has_nulls:
        s.sk.null_mode = 0
        s.sk.validity = NULL
    elif carries_nulls:
        s.sk.null_mode = 1
        if nulls_last:
            s.sk.null_code = rng + 1
        else:
            s.sk.null_code = 0
            vshift = 1
        top = rng + 1
    else:
        s.sk.null_mode = 1                 # nulls already separated by an earlier sub-key
        s.sk.null_code = 0
    if descending:
        s.sk.xr = flip ^ _ALL
        s.sk.sub = (~mx) - vshift
    else:
        s.sk.xr = flip
        s.sk.sub = mn - vshift
    s.sk.bits = _bitlen(top)


cdef _Sub _null_flag(ArrayView v, object owner, bint nulls_last):
    cdef _Sub f = _new_sub(SK_NULLFLAG, owner)
    f.sk.validity = v.validity
    f.sk.voffset = v.offset
    f.sk.null_mode = 1
    f.sk.null_code = 1 if nulls_last else 0
    f.sk.xr = 0
    f.sk.sub = 0 if nulls_last else _ALL     # valid rows: 0 - sub
    f.sk.bits = 1
    return f


cdef list _subkeys(arr, bint descending, bint nulls_last):
    """The sub-keys of one key column, most significant first (constant ones dropped)."""
    cdef ArrayView v
    cdef _Sub s
    cdef uint64_t mn = 0, mx = 0, flip = 0
    cdef uint64_t mn2[2]
    cdef uint64_t mx2[2]
    cdef int64_t n = len(arr), cnt = 0
    cdef bint has_nulls, carries
    cdef int w, k, nwords
    cdef uint64_t[::1] codes_mv
    kind, signed, width = classify(arr.type)
    if kind == "null" or n == 0:
        return []
    if kind in ("bytes", "dict"):
        codes, nd, has_nulls_ = _dense_ranks(arr)
        s = _new_sub(SK_CODES, codes)
        codes_mv = codes
        s.sk.data = <const uint8_t*>&codes_mv[0]
        has_nulls = has_nulls_
        if nd == 0:
            return []
        _finalize(s, 0, <uint64_t>(nd - 1), 0, has_nulls, True, descending, nulls_last)
        return [s] if s.sk.bits > 0 else []
    v = ArrayView(arr)
    has_nulls = v.null_count > 0
    w = v.byte_width
    if kind == "bool":
        s = _new_sub(SK_BOOL, v)
    elif kind == "float":
        s = _new_sub(SK_FLOAT, v)
    elif kind == "int" or (kind == "decimal" and w <= 8):
        s = _new_sub(SK_INT, v)
        s.sk.signed = signed
        if signed:
            flip = _FLIP
    else:
        s = _new_sub(SK_DEC128, v)   # decimal128 / decimal256: replaced below if needed
    s.sk.width = w
    s.sk.data = v.data
    s.sk.offset = v.offset
    s.sk.validity = v.validity
    s.sk.voffset = v.offset
    if s.sk.kind == SK_INT:
        with nogil:
            if w == 8:
                cnt = _minmax_int(<const int64_t*>v.data, v.validity, v.offset, n, flip, &mn, &mx)
            elif w == 4:
                cnt = _minmax_int(<const int32_t*>v.data, v.validity, v.offset, n, flip, &mn, &mx)
            elif w == 2:
                cnt = _minmax_int(<const int16_t*>v.data, v.validity, v.offset, n, flip, &mn, &mx)
            else:
                cnt = _minmax_int(<const int8_t*>v.data, v.validity, v.offset, n, flip, &mn, &mx)
    elif s.sk.kind == SK_FLOAT:
        with nogil:
            if w == 8:
                cnt = _minmax_float(<const uint64_t*>v.data, v.validity, v.offset, n, &mn, &mx)
            elif w == 4:
                cnt = _minmax_float(<const uint32_t*>v.data, v.validity, v.offset, n, &mn, &mx)
            else:
                cnt = _minmax_float(<const uint16_t*>v.data, v.validity, v.offset, n, &mn, &mx)
    elif s.sk.kind == SK_BOOL:
        with nogil:
            cnt = _minmax_sub(&s.sk, n, 0, &mn, &mx)
    elif w == 16:
        with nogil:
            cnt = _minmax_dec128(v.data, v.validity, v.offset, n, mn2, mx2)
        if cnt > 0 and mx2[1] - mn2[1] - (1 if mx2[0] < mn2[0] else 0) == 0:
            mn = mn2[0]
            mx = mx2[0]
        else:
            cnt = -1   # split into words below
    else:
        cnt = -1
    if cnt == 0:
        return []          # every row null: all ties
    if cnt > 0:
        if has_nulls and mx - mn == _ALL:
            _finalize(s, mn, mx, flip, has_nulls, False, descending, nulls_last)
            return [_null_flag(v, v, nulls_last), s]
        _finalize(s, mn, mx, flip, has_nulls, True, descending, nulls_last)
        return [s] if s.sk.bits > 0 else []
    # wide decimal: one sub-key per 64-bit word, the most significant (signed) first
    out = []
    nwords = w // 8
    carries = True
    for k in range(nwords - 1, -1, -1):
        s = _new_sub(SK_WORD, v)
        s.sk.width = w
        s.sk.word = k
        s.sk.data = v.data
        s.sk.offset = v.offset
        s.sk.validity = v.validity
        s.sk.voffset = v.offset
        flip = _FLIP if k == nwords - 1 else 0
        with nogil:
            cnt = _minmax_sub(&s.sk, n, flip, &mn, &mx)
        if cnt == 0:
            return []
        if carries and has_nulls and mx - mn == _ALL:
            out.append(_null_flag(v, v, nulls_last))
            carries = False
        _finalize(s, mn, mx, flip, has_nulls, carries, descending, nulls_last)
        if s.sk.bits > 0:
            out.append(s)
            carries = False
    return out


cdef object _sort_subkeys(list subs, int64_t n):
    """Stable argsort of rows by the concatenated sub-key codes."""
    cdef SubKey* sks
    cdef Ctx ctx
    cdef int nsk = len(subs), total = 0, k, rowbits, w0
    cdef uint64_t[::1] g_mv, t_mv
    cdef uint64_t* g
    cdef uint64_t* t
    cdef uint64_t* res
    cdef int64_t* perm
    cdef int status = 0
    cdef _Sub s
    if nsk == 0 or n < 2:
        return np.arange(n, dtype=np.int64)
    sks = <SubKey*>malloc(<size_t>nsk * sizeof(SubKey))
    if sks == NULL:
        raise MemoryError("argsort: out of memory")
    for k in range(nsk):
        s = subs[k]
        sks[k] = s.sk
        sks[k].start = total
        total += s.sk.bits
    rowbits = _bitlen(<uint64_t>(n - 1))
    w0 = 64 - rowbits
    if w0 > total:
        w0 = total
    ga = np.empty(n, dtype=np.uint64)
    ta = np.empty(n, dtype=np.uint64)
    g_mv = ga
    t_mv = ta
    g = &g_mv[0]
    t = &t_mv[0]
    ctx.sks = sks
    ctx.nsk = nsk
    ctx.total_bits = total
    ctx.status = 0
    ctx.tb = NULL
    with nogil:
        _pack_prefix(sks, nsk, g, n, w0, rowbits)
        res = _radix(g, t, n, rowbits, w0, &status)
        perm = <int64_t*>(t if res == g else g)
        if status == 0:
            _extract_and_refine(&ctx, res, n, rowbits, w0, perm)
    free(sks)
    if status != 0 or ctx.status != 0:
        raise MemoryError("argsort: out of memory")
    out = ta if res == g else ga
    return out.view(np.int64)


def _validate(keys, descending, nulls_last):
    if not isinstance(keys, (list, tuple)) or len(keys) == 0:
        raise ValueError("argsort needs a non-empty list of key arrays")
    if not isinstance(descending, (list, tuple)) or not isinstance(nulls_last, (list, tuple)):
        raise TypeError("descending and nulls_last must be lists of bool")
    if len(descending) != len(keys) or len(nulls_last) != len(keys):
        raise ValueError(
            f"argsort: {len(keys)} keys but {len(descending)} descending flags and "
            f"{len(nulls_last)} nulls_last flags")
    n = None
    for j, k in enumerate(keys):
        if not isinstance(k, pa.Array):
            raise TypeError(
                f"argsort: key {j} must be a single-chunk pyarrow.Array, got {type(k).__name__}")
        if n is None:
            n = len(k)
        elif len(k) != n:
            raise ValueError(f"argsort: key {j} has length {len(k)}, key 0 has length {n}")
        classify(k.type)
    return n


def argsort(keys, descending, nulls_last):
    """Stable permutation that sorts the rows by ``keys`` lexicographically.

    Parameters
    ----------
    keys : list[pyarrow.Array]
        Equal-length, single-chunk arrays (any offset, with nulls). Types: null, bool, all
        integers, float16/32/64, date32/64, time32/64, timestamp (any unit / tz), duration,
        decimal32/64/128/256, string, large_string, string_view, binary, large_binary,
        binary_view, fixed_size_binary, and dictionaries of those (ordered by value).
    descending : list[bool]
        Per key.
    nulls_last : list[bool]
        Per key; nulls go first or last whatever the direction.

    Returns
    -------
    numpy.ndarray[int64]
        ``take(keys, result)`` is sorted; rows that tie on every key keep their input order.

    Notes
    -----
    Floats: ``-0.0 == 0.0``; NaN (any payload) sorts above ``+inf`` (last ascending, first
    descending, like polars). Strings and binaries compare bytewise (UTF-8 byte order is code
    point order). The null type is all ties. Other types raise ``TypeError``.
    """
    cdef int64_t n = _validate(keys, descending, nulls_last)
    subs = []
    if n < 2:
        return np.arange(n, dtype=np.int64)
    for k, d, nl in zip(keys, descending, nulls_last):
        subs.extend(_subkeys(k, bool(d), bool(nl)))
    return _sort_subkeys(subs, n)


def rank_codes(arr, descending=False, nulls_last=True):
    """Order-preserving code of each row of one key: ``(codes uint64, n_bits)``.

    ``a < b`` in the sort order of ``argsort([arr], [descending], [nulls_last])`` iff
    ``codes[a] < codes[b]``; ties iff equal. Codes are below ``2**n_bits`` (``n_bits == 0``: all
    rows tie). Raises ``ValueError`` when the key needs more than 64 bits (a full-range 64-bit
    column with nulls, wide decimals).
    """
    cdef uint64_t[::1] out_mv
    cdef SubKey* sks
    cdef int nsk, total = 0, k
    cdef int64_t n
    cdef _Sub s
    n = _validate([arr], [descending], [nulls_last])
    subs = _subkeys(arr, bool(descending), bool(nulls_last)) if n > 0 else []
    nsk = len(subs)
    out = np.zeros(n, dtype=np.uint64)
    if nsk == 0:
        return out, 0
    for k in range(nsk):
        s = subs[k]
        total += s.sk.bits
    if total > 64:
        raise ValueError(f"rank_codes: a {arr.type} key needs {total} bits here (more than 64)")
    sks = <SubKey*>malloc(<size_t>nsk * sizeof(SubKey))
    if sks == NULL:
        raise MemoryError("rank_codes: out of memory")
    total = 0
    for k in range(nsk):
        s = subs[k]
        sks[k] = s.sk
        sks[k].start = total
        total += s.sk.bits
    out_mv = out
    with nogil:
        _pack_prefix(sks, nsk, &out_mv[0], n, total, 0)
    free(sks)
    return out, total
