"""Filter kernels: keep the rows of an Arrow array where a boolean mask is true.

Layouts: null; bool (bit-packed in and out); fixed width 1/2/4/8/16/32 bytes through typed paths
and any other width through ``memcpy`` (ints, floats, temporal, decimal, fixed_size_binary);
string/binary (int32 offsets) and large_string/large_binary (int64 offsets), offsets rebuilt and
character bytes copied; string_view/binary_view (16-byte views moved, variadic data buffers
passed through unchanged); dictionary (indices filtered, same dictionary). ``O(n)`` time, memory
the size of the output plus ``n / 8`` bytes of selection words.

Semantics: a null in the mask drops the row (pyarrow's ``null_selection_behavior="drop"``);
values, NaN payloads and ``-0.0`` are moved bit for bit.

Algorithm: the mask AND its validity becomes 64-bit selection words. Rows are split into one
block of whole words per thread (a single block when ``n_threads_for`` says serial). Pass 1 builds
the words and counts selected rows, output nulls and (strings) output bytes per block; an
exclusive prefix sum gives each block its output row and byte start; pass 2 fills the blocks in
parallel. In pass 2 all-zero words are skipped, all-one words copied with one ``memcpy``, sparse
words walked with a ctz loop and dense words compacted branchlessly (``dst[j] = src[k];
j += bit``, run only up to the highest set bit so no write lands past the block's output).
String bytes are copied as fixed 16/32-byte moves where both buffers have slack (the next copy
overwrites the excess), ``memcpy`` otherwise. Output bitmaps are compacted 64 bits at a time
(software pext through a byte table); a block never writes the first byte of its bit range when
that byte is shared with the previous block: it returns those bits and they are OR-ed in after
the parallel loop, so no two threads write one byte.

Assumes a little-endian host (bitmaps are flushed as 64-bit words).
"""
from cython.parallel cimport prange
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy

import numpy as np
import pyarrow as pa

from frame._core.arrow_view cimport (
    LAYOUT_BOOL,
    LAYOUT_FIXED,
    LAYOUT_NULL,
    LAYOUT_VARBIN32,
    LAYOUT_VARBIN64,
    LAYOUT_VIEW,
    ArrayView,
)
from frame._core.bitmap cimport clz64, ctz64, load_bits, popcount64
from frame._core.buffer cimport OwnedBuffer, allocate
from frame._core.dtypes cimport bytes16_t, bytes32_t, offset_t, width_t
from frame._core.memops cimport copy_bytes, exclusive_prefix
from frame._core.parallel cimport n_threads_for


cdef enum:
    MAX_BLOCKS = 64
    # Mixed words with at most this many selected rows use the ctz loop, denser ones the
    # branchless compaction (fixed width: memory bound either way on 1e7 int64 rows).
    SPARSE_BITS = 16
    # Strings: the branchless 16-byte-copy path only pays off for dense words (measured on 1e7
    # ~9-byte strings: equal at 50 % selected, ~20 % faster at 90-97 %, slower below 40 %).
    STRING_DENSE_BITS = 40


cdef extern from *:
    """
    #define FRAME_ALL_ONES 0xFFFFFFFFFFFFFFFFULL
    """
    const uint64_t ALL_ONES "FRAME_ALL_ONES"    # a C constant, folded into the compares

# _PEXT8[(m << 8) | v]: the bits of v selected by m, packed to the bottom; _POPC8[m]: bits in m.
cdef uint8_t _PEXT8[65536]
cdef uint8_t _POPC8[256]


cdef void _init_tables() noexcept:
    cdef int m, v, b, k
    cdef int r
    for m in range(256):
        k = 0
        for b in range(8):
            k += (m >> b) & 1
        _POPC8[m] = <uint8_t>k
        for v in range(256):
            r = 0
            k = 0
            for b in range(8):
                if (m >> b) & 1:
                    r |= ((v >> b) & 1) << k
                    k += 1
            _PEXT8[(m << 8) | v] = <uint8_t>r


_init_tables()


cdef inline uint64_t _pext64(uint64_t v, uint64_t m) noexcept nogil:
    """Bits of ``v`` where ``m`` is set, packed LSB first (software PEXT, 8 table lookups)."""
    cdef uint64_t r = 0
    cdef unsigned int k = 0
    cdef unsigned int b, mb
    for b in range(0, 64, 8):
        mb = <unsigned int>((m >> b) & 0xFF)
        r |= (<uint64_t>_PEXT8[(mb << 8) | <unsigned int>((v >> b) & 0xFF)]) << k
        k += _POPC8[mb]
    return r


# ----------------------------------------------------------------------------------------------
# Bit sink: appends bits to a bitmap starting at any bit position. When the start is not byte
# aligned, the first byte is shared with whoever wrote the bits before: its bits are kept in
# ``head`` (at byte ``head_pos``) for the caller to OR in later instead of being stored.

ctypedef struct BitSink:
    uint8_t* dst
    int64_t byte_pos        # byte where bit 0 of ``acc`` goes
    uint64_t acc            # pending bits
    int nacc                # pending bit count (0..63), counted from bit 0 of byte_pos
    bint defer_first        # byte_pos is shared with the previous writer
    uint8_t head
    int64_t head_pos        # -1: nothing deferred


cdef inline void _sink_init(BitSink* s, uint8_t* dst, int64_t bit_pos) noexcept nogil:
    s.dst = dst
    s.byte_pos = bit_pos >> 3
    s.acc = 0
    s.nacc = <int>(bit_pos & 7)
    s.defer_first = (bit_pos & 7) != 0
    s.head = 0
    s.head_pos = -1


cdef inline void _sink_store(BitSink* s, int nbytes) noexcept nogil:
    cdef uint64_t a = s.acc
    cdef uint8_t* p = s.dst + s.byte_pos
    if s.defer_first:
        s.defer_first = False
        s.head = <uint8_t>(a & 0xFF)
        s.head_pos = s.byte_pos
        if nbytes > 1:
            memcpy(p + 1, (<uint8_t*>&a) + 1, <size_t>(nbytes - 1))
    else:
        memcpy(p, &a, <size_t>nbytes)


cdef inline void _sink_push(BitSink* s, uint64_t bits, int cnt) noexcept nogil:
    """Append the ``cnt`` (1..64) low bits of ``bits``; higher bits must be zero."""
    cdef int nacc = s.nacc
    s.acc |= bits << nacc
    if nacc + cnt >= 64:
        _sink_store(s, 8)
        s.byte_pos += 8
        s.acc = (bits >> (64 - nacc)) if nacc > 0 else 0
        s.nacc = nacc + cnt - 64
    else:
        s.nacc = nacc + cnt


cdef inline void _sink_finish(BitSink* s) noexcept nogil:
    if s.nacc > 0:
        _sink_store(s, (s.nacc + 7) >> 3)


cdef void _compress_bits(const uint8_t* src, int64_t src_off, int64_t n, const uint64_t* sel,
                         int64_t w0, int64_t w1, uint8_t* dst, int64_t dst_bit,
                         uint8_t* head, int64_t* head_pos) noexcept nogil:
    """dst bits from ``dst_bit`` on = src bits (rows of words w0..w1) where sel is set."""
    cdef BitSink s
    cdef int64_t w, nb
    cdef uint64_t m, v
    _sink_init(&s, dst, dst_bit)
    for w in range(w0, w1):
        m = sel[w]
        if m == 0:
            continue
        nb = n - 64 * w
        if nb > 64:
            nb = 64
        v = load_bits(src, src_off + 64 * w, nb)
        if m == ALL_ONES:
            _sink_push(&s, v, 64)
        else:
            _sink_push(&s, _pext64(v, m), popcount64(m))
    _sink_finish(&s)
    head[0] = s.head
    head_pos[0] = s.head_pos


# ----------------------------------------------------------------------------------------------
# Value compaction.

cdef void _compact_fixed(const width_t* src, width_t* dst, const uint64_t* sel,
                         int64_t w0, int64_t w1, int64_t j) noexcept nogil:
    """dst[j...] = src rows (of words w0..w1) whose selection bit is set; src is offset-adjusted."""
    cdef int64_t w, k, hi
    cdef uint64_t m
    cdef const width_t* s
    for w in range(w0, w1):
        m = sel[w]
        if m == 0:
            continue
        s = src + 64 * w
        if m == ALL_ONES:
            memcpy(dst + j, s, 64 * sizeof(width_t))
            j += 64
        elif width_t is bytes16_t or width_t is bytes32_t:
            # Wide values: a wasted 16/32-byte store per unselected row costs more than a branch.
            while m != 0:
                dst[j] = s[ctz64(m)]
                j += 1
                m &= m - 1
        elif popcount64(m) <= SPARSE_BITS:
            while m != 0:
                dst[j] = s[ctz64(m)]
                j += 1
                m &= m - 1
        else:
            # Branchless: every row up to the highest selected one is written, the write
            # pointer only advances on selected rows (so the last write is a selected row).
            hi = 64 - clz64(m)
            for k in range(hi):
                dst[j] = s[k]
                j += <int64_t>((m >> k) & 1)


cdef void _compact_generic(const uint8_t* src, uint8_t* dst, int64_t width, const uint64_t* sel,
                           int64_t w0, int64_t w1, int64_t j) noexcept nogil:
    """Any byte width (fixed_size_binary(3), ...): memcpy per selected row."""
    cdef int64_t w
    cdef uint64_t m
    cdef const uint8_t* s
    for w in range(w0, w1):
        m = sel[w]
        if m == 0:
            continue
        s = src + 64 * w * width
        if m == ALL_ONES:
            memcpy(dst + j * width, s, <size_t>(64 * width))
            j += 64
        else:
            while m != 0:
                memcpy(dst + j * width, s + ctz64(m) * width, <size_t>width)
                j += 1
                m &= m - 1



cdef inline int64_t _selected_bytes(const offset_t* o, uint64_t m) noexcept nogil:
    """Total length of the strings of one word (``o`` = offsets of its first row) selected by m.

    Sums over runs of selected rows: ``o[run end] - o[run start]``, walking the run starts and
    run ends as two bit sets (about half the loads and no per-row work for random masks).
    """
    cdef int64_t total = 0
    cdef uint64_t starts, ends
    if m == ALL_ONES:
        return <int64_t>(o[64] - o[0])
    starts = m & ~(m << 1)          # first row of each run
    ends = m & ~(m >> 1)            # last row of each run
    while starts != 0:
        total -= <int64_t>o[ctz64(starts)]
        starts &= starts - 1
    while ends != 0:
        total += <int64_t>o[ctz64(ends) + 1]
        ends &= ends - 1
    return total


cdef void _compact_varbin(const offset_t* o, const uint8_t* chars, int64_t chars_size,
                          const uint64_t* sel, int64_t w0, int64_t w1, offset_t* oo,
                          uint8_t* out, int64_t j, int64_t c, int64_t c_end) noexcept nogil:
    """Selected strings of words w0..w1 to output rows from j / bytes from c (up to c_end).

    ``o`` is offset-adjusted (o[i] is the start of row i). All-one words: one memcpy and a
    rebase loop. Dense words whose byte window has 32 bytes of slack on both sides: branchless,
    every row up to the highest selected one writes its offset and copies a fixed 16 bytes, and
    the cursors only advance on selected rows (longer strings take a predictable branch). Other
    words: ctz loop over the selected rows.
    """
    cdef int64_t w, k, hi, start, length, bit, span
    cdef uint64_t m
    cdef const offset_t* ow
    for w in range(w0, w1):
        m = sel[w]
        if m == 0:
            continue
        ow = o + 64 * w
        if m == ALL_ONES:
            start = ow[0]
            span = c - start
            for k in range(64):
                oo[j + k] = <offset_t>(ow[k] + span)
            length = <int64_t>ow[64] - start
            if length > 0:
                memcpy(out + c, chars + start, <size_t>length)
            c += length
            j += 64
            continue
        hi = 64 - clz64(m)
        span = <int64_t>ow[hi] - <int64_t>ow[0]
        if (popcount64(m) > STRING_DENSE_BITS and c + span + 32 <= c_end
                and <int64_t>ow[hi] + 32 <= chars_size):
            for k in range(hi):
                start = ow[k]
                length = <int64_t>ow[k + 1] - start
                bit = <int64_t>((m >> k) & 1)
                oo[j] = <offset_t>c
                if length <= 16:
                    memcpy(out + c, chars + start, 16)
                elif bit:
                    if length <= 32:
                        memcpy(out + c, chars + start, 32)
                    else:
                        memcpy(out + c, chars + start, <size_t>length)
                c += length & -bit
                j += bit
        else:
            while m != 0:
                k = ctz64(m)
                start = ow[k]
                length = <int64_t>ow[k + 1] - start
                oo[j] = <offset_t>c
                copy_bytes(out + c, chars + start, length, c_end - c, chars_size - start)
                c += length
                j += 1
                m &= m - 1


# ----------------------------------------------------------------------------------------------
# Plan: everything the two passes need, shared read-only by the threads except per-block slots.

ctypedef struct Plan:
    int64_t n
    int64_t n_words
    int64_t block_words
    int64_t n_blocks
    const uint8_t* mvals
    const uint8_t* mvalid
    int64_t moff
    int layout
    int width
    int64_t off
    const uint8_t* data
    int64_t data_size
    const uint8_t* offsets
    const uint8_t* validity
    uint64_t* sel
    uint8_t* out_data
    uint8_t* out_offsets
    uint8_t* out_validity
    int64_t rows[MAX_BLOCKS + 1]      # selected rows per block, then exclusive prefix
    int64_t nulls[MAX_BLOCKS]
    int64_t nbytes[MAX_BLOCKS + 1]    # strings: bytes per block, then exclusive prefix
    uint8_t vhead[MAX_BLOCKS]
    int64_t vhead_pos[MAX_BLOCKS]
    uint8_t dhead[MAX_BLOCKS]
    int64_t dhead_pos[MAX_BLOCKS]


cdef inline void _block_words(const Plan* p, int64_t b, int64_t* w0, int64_t* w1) noexcept nogil:
    w0[0] = b * p.block_words
    w1[0] = w0[0] + p.block_words
    if w1[0] > p.n_words:
        w1[0] = p.n_words
    if w0[0] > w1[0]:
        w0[0] = w1[0]


cdef void _count_block(Plan* p, int64_t b) noexcept nogil:
    """Pass 1: selection words of block b, and its selected rows / output nulls / bytes."""
    cdef int64_t w, w0, w1, nb, base
    cdef int64_t rows = 0
    cdef int64_t nulls = 0
    cdef int64_t nbytes = 0
    cdef uint64_t m
    _block_words(p, b, &w0, &w1)
    for w in range(w0, w1):
        base = 64 * w
        nb = p.n - base
        if nb > 64:
            nb = 64
        m = load_bits(p.mvals, p.moff + base, nb)
        if p.mvalid != NULL:
            m &= load_bits(p.mvalid, p.moff + base, nb)
        p.sel[w] = m
        if m == 0:
            continue
        rows += popcount64(m)
        if p.validity != NULL:
            nulls += popcount64(m & ~load_bits(p.validity, p.off + base, nb))
        if p.layout == LAYOUT_VARBIN32:
            nbytes += _selected_bytes((<const int32_t*>p.offsets) + p.off + base, m)
        elif p.layout == LAYOUT_VARBIN64:
            nbytes += _selected_bytes((<const int64_t*>p.offsets) + p.off + base, m)
    p.rows[b] = rows
    p.nulls[b] = nulls
    p.nbytes[b] = nbytes


cdef void _fill_block(Plan* p, int64_t b) noexcept nogil:
    """Pass 2: write block b's output rows (values, offsets/characters, validity)."""
    cdef int64_t w0, w1
    cdef int64_t j = p.rows[b]
    cdef int width = p.width
    _block_words(p, b, &w0, &w1)
    if p.layout == LAYOUT_FIXED or p.layout == LAYOUT_VIEW:
        if width == 8:
            _compact_fixed((<const uint64_t*>p.data) + p.off, <uint64_t*>p.out_data,
                           p.sel, w0, w1, j)
        elif width == 4:
            _compact_fixed((<const uint32_t*>p.data) + p.off, <uint32_t*>p.out_data,
                           p.sel, w0, w1, j)
        elif width == 16:
            _compact_fixed((<const bytes16_t*>p.data) + p.off, <bytes16_t*>p.out_data,
                           p.sel, w0, w1, j)
        elif width == 2:
            _compact_fixed((<const uint16_t*>p.data) + p.off, <uint16_t*>p.out_data,
                           p.sel, w0, w1, j)
        elif width == 1:
            _compact_fixed((<const uint8_t*>p.data) + p.off, <uint8_t*>p.out_data,
                           p.sel, w0, w1, j)
        elif width == 32:
            _compact_fixed((<const bytes32_t*>p.data) + p.off, <bytes32_t*>p.out_data,
                           p.sel, w0, w1, j)
        elif width > 0:
            _compact_generic(p.data + p.off * width, p.out_data, width, p.sel, w0, w1, j)
    elif p.layout == LAYOUT_BOOL:
        _compress_bits(p.data, p.off, p.n, p.sel, w0, w1, p.out_data, j,
                       &p.dhead[b], &p.dhead_pos[b])
    elif p.layout == LAYOUT_VARBIN32:
        _compact_varbin((<const int32_t*>p.offsets) + p.off, p.data, p.data_size, p.sel, w0, w1,
                        <int32_t*>p.out_offsets, p.out_data, j, p.nbytes[b], p.nbytes[b + 1])
    elif p.layout == LAYOUT_VARBIN64:
        _compact_varbin((<const int64_t*>p.offsets) + p.off, p.data, p.data_size, p.sel, w0, w1,
                        <int64_t*>p.out_offsets, p.out_data, j, p.nbytes[b], p.nbytes[b + 1])
    if p.out_validity != NULL:
        _compress_bits(p.validity, p.off, p.n, p.sel, w0, w1, p.out_validity, j,
                       &p.vhead[b], &p.vhead_pos[b])


cdef void _indices_block(Plan* p, int64_t b, int64_t* out) noexcept nogil:
    cdef int64_t w, w0, w1, k, base
    cdef int64_t j = p.rows[b]
    cdef uint64_t m
    _block_words(p, b, &w0, &w1)
    for w in range(w0, w1):
        m = p.sel[w]
        base = 64 * w
        if m == ALL_ONES:
            for k in range(64):
                out[j + k] = base + k
            j += 64
        else:
            while m != 0:
                out[j] = base + ctz64(m)
                j += 1
                m &= m - 1


cdef void _run_count(Plan* p, int t) noexcept nogil:
    cdef int64_t b
    if t > 1:
        for b in prange(p.n_blocks, num_threads=t, schedule="static"):
            _count_block(p, b)
    else:
        for b in range(p.n_blocks):
            _count_block(p, b)


cdef void _run_fill(Plan* p, int t) noexcept nogil:
    cdef int64_t b
    if t > 1:
        for b in prange(p.n_blocks, num_threads=t, schedule="static"):
            _fill_block(p, b)
    else:
        for b in range(p.n_blocks):
            _fill_block(p, b)


cdef void _run_indices(Plan* p, int t, int64_t* out) noexcept nogil:
    cdef int64_t b
    if t > 1:
        for b in prange(p.n_blocks, num_threads=t, schedule="static"):
            _indices_block(p, b, out)
    else:
        for b in range(p.n_blocks):
            _indices_block(p, b, out)



cdef inline void _or_heads(uint8_t* dst, const uint8_t* head, const int64_t* pos,
                           int64_t nb) noexcept nogil:
    cdef int64_t b
    for b in range(nb):
        if pos[b] >= 0:
            dst[pos[b]] |= head[b]


cdef ArrayView _mask_view(mask):
    if not isinstance(mask, pa.Array) or not pa.types.is_boolean(mask.type):
        kind = type(mask).__name__
        if isinstance(mask, (pa.Array, pa.ChunkedArray)):
            kind = f"{kind} of type {mask.type}"
        raise TypeError(f"filter mask must be a pyarrow boolean Array, got {kind}")
    return ArrayView(mask)


cdef int _plan_init(Plan* p, ArrayView view, ArrayView mview):
    """Fill the plan from the views and cut the rows in blocks; returns the thread count."""
    cdef int64_t b, nb
    cdef int t
    p.n = mview.length
    p.n_words = (p.n + 63) // 64
    t = n_threads_for(p.n)
    if t > p.n_words:
        t = 1
    if t > MAX_BLOCKS:
        t = MAX_BLOCKS
    if t < 1:
        t = 1
    nb = t                          # one block per thread (static schedule)
    p.n_blocks = nb
    p.block_words = (p.n_words + nb - 1) // nb
    p.mvals = mview.data
    p.mvalid = mview.validity
    p.moff = mview.offset
    p.sel = NULL
    p.out_data = NULL
    p.out_offsets = NULL
    p.out_validity = NULL
    if view is None:
        p.layout = LAYOUT_NULL
        p.width = 0
        p.off = 0
        p.data = NULL
        p.data_size = 0
        p.offsets = NULL
        p.validity = NULL
    else:
        p.layout = view.layout
        p.width = view.byte_width
        p.off = view.offset
        p.data = view.data
        p.data_size = view.data_size
        p.offsets = view.offsets
        p.validity = view.validity
    for b in range(MAX_BLOCKS):
        p.rows[b] = 0
        p.nulls[b] = 0
        p.nbytes[b] = 0
        p.vhead[b] = 0
        p.vhead_pos[b] = -1
        p.dhead[b] = 0
        p.dhead_pos[b] = -1
    return t


def filter_array(arr, mask):
    """Rows of ``arr`` where ``mask`` is true.

    Parameters
    ----------
    arr : pyarrow.Array
        Any layout frame knows (see the module docstring); may be sliced.
    mask : pyarrow.BooleanArray
        Same length as ``arr``; may be sliced (at a different offset). A null drops the row.

    Returns
    -------
    pyarrow.Array
        Same type as ``arr``; validity buffer only when the result has nulls. Equal to
        ``arr.filter(mask, null_selection_behavior="drop")``.

    Raises
    ------
    TypeError
        ``mask`` is not a boolean Array, or ``arr`` has no kernel layout.
    ValueError
        The lengths differ.

    Examples
    --------
    >>> import pyarrow as pa
    >>> filter_array(pa.array([1, 2, None, 4]), pa.array([True, None, True, True])).to_pylist()
    [1, None, 4]
    """
    cdef ArrayView view, mview
    cdef Plan p
    cdef int t
    cdef int64_t b, total, nulls, nbytes
    cdef OwnedBuffer sel_buf, data_buf = None, offsets_buf = None, validity_buf = None
    mview = _mask_view(mask)
    if not isinstance(arr, pa.Array):
        raise TypeError(f"filter_array needs a pyarrow Array, got {type(arr).__name__}")
    if len(arr) != len(mask):
        raise ValueError(f"mask length {len(mask)} does not match array length {len(arr)}")
    view = ArrayView(arr)
    t = _plan_init(&p, view, mview)
    sel_buf = allocate(p.n_words * 8, False)
    p.sel = <uint64_t*>sel_buf.data
    with nogil:
        _run_count(&p, t)
        exclusive_prefix(p.rows, p.n_blocks)
        exclusive_prefix(p.nbytes, p.n_blocks)
    total = p.rows[p.n_blocks]
    nbytes = p.nbytes[p.n_blocks]
    nulls = 0
    for b in range(p.n_blocks):
        nulls += p.nulls[b]
    if view.layout == LAYOUT_NULL:
        return pa.nulls(total, type=arr.type)

    if nulls > 0:
        validity_buf = allocate((total + 7) // 8, False)
        p.out_validity = validity_buf.data
    if view.layout == LAYOUT_FIXED or view.layout == LAYOUT_VIEW:
        data_buf = allocate(total * view.byte_width, False)
    elif view.layout == LAYOUT_BOOL:
        data_buf = allocate((total + 7) // 8, False)
    else:  # VARBIN32 / VARBIN64
        if view.layout == LAYOUT_VARBIN32:
            offsets_buf = allocate((total + 1) * 4, False)
            (<int32_t*>offsets_buf.data)[total] = <int32_t>nbytes
        else:
            offsets_buf = allocate((total + 1) * 8, False)
            (<int64_t*>offsets_buf.data)[total] = nbytes
        p.out_offsets = offsets_buf.data
        data_buf = allocate(nbytes, False)
    p.out_data = data_buf.data

    with nogil:
        _run_fill(&p, t)
        if p.out_validity != NULL:
            _or_heads(p.out_validity, p.vhead, p.vhead_pos, p.n_blocks)
        if p.layout == LAYOUT_BOOL:
            _or_heads(p.out_data, p.dhead, p.dhead_pos, p.n_blocks)
    sel_buf = None

    validity = pa.py_buffer(validity_buf) if validity_buf is not None else None
    if offsets_buf is not None:
        buffers = [validity, pa.py_buffer(offsets_buf), pa.py_buffer(data_buf)]
    else:
        buffers = [validity, pa.py_buffer(data_buf)]
        if view.layout == LAYOUT_VIEW:
            buffers.extend(view.extra_buffers)
    if view.dictionary is not None:
        return pa.DictionaryArray.from_buffers(arr.type, total, buffers, view.dictionary,
                                               null_count=nulls)
    return pa.Array.from_buffers(arr.type, total, buffers, null_count=nulls)


def mask_to_indices(mask):
    """Positions (int64 NumPy array, ascending) where ``mask`` is true; nulls are dropped.

    Examples
    --------
    >>> import pyarrow as pa
    >>> mask_to_indices(pa.array([False, True, None, True])).tolist()
    [1, 3]
    """
    cdef ArrayView mview = _mask_view(mask)
    cdef Plan p
    cdef int t = _plan_init(&p, None, mview)
    cdef int64_t total
    cdef OwnedBuffer sel_buf = allocate(p.n_words * 8, False)
    cdef OwnedBuffer out
    p.sel = <uint64_t*>sel_buf.data
    with nogil:
        _run_count(&p, t)
        exclusive_prefix(p.rows, p.n_blocks)
    total = p.rows[p.n_blocks]
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    out = allocate(total * 8, False)
    with nogil:
        _run_indices(&p, t, <int64_t*>out.data)
    return np.frombuffer(out, dtype=np.int64, count=total)


cdef int64_t _count_true(const uint8_t* vals, const uint8_t* valid, int64_t off,
                         int64_t n) noexcept nogil:
    cdef int64_t base, nb
    cdef int64_t total = 0
    cdef uint64_t m
    for base in range(0, n, 64):
        nb = n - base
        if nb > 64:
            nb = 64
        m = load_bits(vals, off + base, nb)
        if valid != NULL:
            m &= load_bits(valid, off + base, nb)
        total += popcount64(m)
    return total


def count_true(mask):
    """Number of true (non-null) values in a boolean Array.

    Examples
    --------
    >>> import pyarrow as pa
    >>> count_true(pa.array([True, None, False, True]))
    2
    """
    cdef ArrayView mview = _mask_view(mask)
    cdef int64_t total
    with nogil:
        total = _count_true(mview.data, mview.validity, mview.offset, mview.length)
    return total

