"""Take kernels: gather rows of an Arrow array by int64 indices; index -1 gives a null.

Layouts: null; bool (bit-packed in and out); fixed width 1/2/4/8/16/32 bytes through typed paths
and any other width through ``memcpy``; string/binary (int32 offsets) and large_string/
large_binary (int64 offsets): two passes, lengths and source starts (then an exact allocation)
and the copy, so the random source offsets are read once;
string_view/binary_view (views gathered, variadic data buffers passed through unchanged);
dictionary (indices gathered, same dictionary). ``O(m)`` time for ``m`` indices plus the copied
characters; random access into the source.

Output rows are split into blocks of a multiple of 64 rows, one per thread, so every output
bitmap word belongs to exactly one thread. Validity is only materialised when the output can
have nulls (source nulls or -1 indices) and dropped again if it has none.
"""
from cython.parallel cimport prange
from libc.stdint cimport (
    INT32_MAX, INT64_MAX, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t,
)
from libc.string cimport memcpy, memset

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
from frame._core.bitmap cimport get_bit, popcount64
from frame._core.buffer cimport OwnedBuffer, allocate
from frame._core.dtypes cimport bytes16_t, bytes32_t, offset_t, width_t
from frame._core.memops cimport copy_bytes, exclusive_prefix
from frame._core.parallel cimport n_threads_for


cdef enum:
    MAX_BLOCKS = 64
    PREFETCH_AHEAD = 32     # rows: random gathers are latency bound; prefetch the source row


cdef extern from *:
    """
    #define frame_prefetch(p) __builtin_prefetch((const void*)(p), 0, 0)
    """
    void prefetch "frame_prefetch"(const void* p) noexcept nogil


ctypedef struct TakePlan:
    const int64_t* idx
    int64_t m
    int64_t n
    int64_t n_blocks
    int64_t block_rows          # multiple of 64
    int layout
    int width
    int64_t off
    const uint8_t* data
    int64_t data_size
    const uint8_t* offsets
    const uint8_t* validity
    uint8_t* out_data
    uint8_t* out_offsets
    uint8_t* starts             # strings: source start of every output row (pass 1 -> pass 2)
    uint8_t* out_validity
    int64_t neg[MAX_BLOCKS]     # negative indices per block
    int64_t bad[MAX_BLOCKS]     # first out-of-bounds position per block, -1 if none
    int64_t nulls[MAX_BLOCKS]
    int64_t nbytes[MAX_BLOCKS + 1]


cdef inline void _block_rows(const TakePlan* p, int64_t b, int64_t* i0, int64_t* i1) noexcept nogil:
    i0[0] = b * p.block_rows
    i1[0] = i0[0] + p.block_rows
    if i1[0] > p.m:
        i1[0] = p.m
    if i0[0] > i1[0]:
        i0[0] = i1[0]


# ----------------------------------------------------------------------------------------------
# Pass 0: bounds scan.

cdef void _scan_block(TakePlan* p, int64_t b) noexcept nogil:
    """Count negative indices and find the first index outside [-1, n) in block b."""
    cdef int64_t i, i0, i1, k
    cdef uint64_t limit = <uint64_t>p.n
    cdef uint64_t neg = 0
    cdef uint64_t bad = 0
    cdef const int64_t* idx = p.idx
    _block_rows(p, b, &i0, &i1)
    for i in range(i0, i1):
        k = idx[i]
        neg += <uint64_t>k >> 63                      # k < 0
        bad |= <uint64_t>(<uint64_t>(k + 1) > limit)  # k < -1 or k >= n, one compare
    p.neg[b] = <int64_t>neg
    p.bad[b] = -1
    if bad:
        for i in range(i0, i1):
            k = idx[i]
            if <uint64_t>(k + 1) > limit:
                p.bad[b] = i
                break


# ----------------------------------------------------------------------------------------------
# Pass 1 (strings): output bytes per block. Each row's length goes into the output offsets and
# its source start into ``starts``, so pass 2 reads both sequentially and touches the random
# source only for the characters -- two cache misses per row instead of three.

cdef int64_t _gather_lengths(const offset_t* o, const int64_t* idx, int64_t i0, int64_t i1,
                             offset_t* lengths, offset_t* starts) noexcept nogil:
    cdef int64_t i, k
    cdef int64_t total = 0
    cdef offset_t start, length
    for i in range(i0, i1):
        if i + PREFETCH_AHEAD < i1:
            k = idx[i + PREFETCH_AHEAD]
            prefetch(o + (k & ~(k >> 63)))
        k = idx[i]
        if k >= 0:
            start = o[k]
            length = o[k + 1] - start
        else:
            start = 0
            length = 0
        starts[i] = start
        lengths[i] = length
        total += <int64_t>length
    return total


cdef void _bytes_block(TakePlan* p, int64_t b) noexcept nogil:
    cdef int64_t i0, i1
    _block_rows(p, b, &i0, &i1)
    if p.layout == LAYOUT_VARBIN32:
        p.nbytes[b] = _gather_lengths((<const int32_t*>p.offsets) + p.off, p.idx, i0, i1,
                                      <int32_t*>p.out_offsets, <int32_t*>p.starts)
    else:
        p.nbytes[b] = _gather_lengths((<const int64_t*>p.offsets) + p.off, p.idx, i0, i1,
                                      <int64_t*>p.out_offsets, <int64_t*>p.starts)


# ----------------------------------------------------------------------------------------------
# Pass 2: gather.

cdef void _gather_fixed(const width_t* src, width_t* dst, const int64_t* idx, int64_t i0,
                        int64_t i1) noexcept nogil:
    """dst[i] = src[idx[i]] (src offset-adjusted, at least one row). A negative index (a null
    row) copies row 0 for values up to 8 bytes (branch-free) and writes zeros for 16/32-byte
    values (so a null view never points anywhere)."""
    cdef int64_t i, k
    cdef width_t zero
    if width_t is bytes16_t or width_t is bytes32_t:
        memset(&zero, 0, sizeof(width_t))
        for i in range(i0, i1):
            k = idx[i]
            if k >= 0:
                dst[i] = src[k]
            else:
                dst[i] = zero
    else:
        for i in range(i0, i1):
            if i + PREFETCH_AHEAD < i1:
                k = idx[i + PREFETCH_AHEAD]
                prefetch(src + (k & ~(k >> 63)))
            k = idx[i]
            dst[i] = src[k & ~(k >> 63)]


cdef void _gather_generic(const uint8_t* src, uint8_t* dst, int64_t width, const int64_t* idx,
                          int64_t i0, int64_t i1) noexcept nogil:
    cdef int64_t i, k
    for i in range(i0, i1):
        k = idx[i]
        if k >= 0:
            memcpy(dst + i * width, src + k * width, <size_t>width)
        else:
            memset(dst + i * width, 0, <size_t>width)


cdef int64_t _gather_bits(const uint8_t* bits, int64_t off, const int64_t* idx, int64_t i0,
                          int64_t i1, uint8_t* dst) noexcept nogil:
    """Bit i of dst = bit off + idx[i] of ``bits`` (0 for negative indices; ``bits`` NULL means
    all set). ``i0`` is a multiple of 64, so whole bytes of dst belong to this call. Returns the
    number of zero bits written."""
    cdef int64_t base, r, cnt, k
    cdef int64_t zeros = 0
    cdef uint64_t acc, bit
    for base in range(i0, i1, 64):
        cnt = i1 - base
        if cnt > 64:
            cnt = 64
        acc = 0
        if bits == NULL:
            for r in range(cnt):
                acc |= (<uint64_t>(idx[base + r] >= 0)) << r
        else:
            for r in range(cnt):
                k = idx[base + r]
                bit = get_bit(bits, off + (k & ~(k >> 63))) & (k >= 0)
                acc |= bit << r
        zeros += cnt - popcount64(acc)
        memcpy(dst + (base >> 3), &acc, <size_t>((cnt + 7) >> 3))
    return zeros



cdef void _gather_varbin(const offset_t* starts, const uint8_t* chars, int64_t chars_size,
                         int64_t i0, int64_t i1, offset_t* oo, uint8_t* out,
                         int64_t c, int64_t c_end) noexcept nogil:
    """Rows i0..i1 to output bytes c..c_end: ``oo`` holds each row's length from pass 1 and
    becomes its offset; the characters come from ``starts`` (read in order, so only the
    characters themselves are prefetched)."""
    cdef int64_t i, start, length
    for i in range(i0, i1):
        if i + PREFETCH_AHEAD < i1:
            prefetch(chars + starts[i + PREFETCH_AHEAD])
        length = <int64_t>oo[i]
        oo[i] = <offset_t>c
        if length == 0:
            continue
        start = <int64_t>starts[i]
        copy_bytes(out + c, chars + start, length, c_end - c, chars_size - start)
        c += length


cdef void _take_block(TakePlan* p, int64_t b) noexcept nogil:
    cdef int64_t i0, i1
    cdef int width = p.width
    _block_rows(p, b, &i0, &i1)
    p.nulls[b] = 0
    if i0 >= i1:
        return
    if p.layout == LAYOUT_FIXED or p.layout == LAYOUT_VIEW:
        if width == 8:
            _gather_fixed((<const uint64_t*>p.data) + p.off, <uint64_t*>p.out_data, p.idx, i0, i1)
        elif width == 4:
            _gather_fixed((<const uint32_t*>p.data) + p.off, <uint32_t*>p.out_data, p.idx, i0, i1)
        elif width == 16:
            _gather_fixed((<const bytes16_t*>p.data) + p.off, <bytes16_t*>p.out_data,
                          p.idx, i0, i1)
        elif width == 2:
            _gather_fixed((<const uint16_t*>p.data) + p.off, <uint16_t*>p.out_data, p.idx, i0, i1)
        elif width == 1:
            _gather_fixed((<const uint8_t*>p.data) + p.off, <uint8_t*>p.out_data, p.idx, i0, i1)
        elif width == 32:
            _gather_fixed((<const bytes32_t*>p.data) + p.off, <bytes32_t*>p.out_data,
                          p.idx, i0, i1)
        elif width > 0:
            _gather_generic(p.data + p.off * width, p.out_data, width, p.idx, i0, i1)
    elif p.layout == LAYOUT_BOOL:
        _gather_bits(p.data, p.off, p.idx, i0, i1, p.out_data)
    elif p.layout == LAYOUT_VARBIN32:
        _gather_varbin(<const int32_t*>p.starts, p.data, p.data_size, i0, i1,
                       <int32_t*>p.out_offsets, p.out_data, p.nbytes[b], p.nbytes[b + 1])
    elif p.layout == LAYOUT_VARBIN64:
        _gather_varbin(<const int64_t*>p.starts, p.data, p.data_size, i0, i1,
                       <int64_t*>p.out_offsets, p.out_data, p.nbytes[b], p.nbytes[b + 1])
    if p.out_validity != NULL:
        p.nulls[b] = _gather_bits(p.validity, p.off, p.idx, i0, i1, p.out_validity)


cdef void _run(TakePlan* p, int t, int which) noexcept nogil:
    """Run one pass over all blocks: 0 bounds scan, 1 string bytes, 2 gather."""
    cdef int64_t b
    if t > 1:
        for b in prange(p.n_blocks, num_threads=t, schedule="static"):
            if which == 0:
                _scan_block(p, b)
            elif which == 1:
                _bytes_block(p, b)
            else:
                _take_block(p, b)
    else:
        for b in range(p.n_blocks):
            if which == 0:
                _scan_block(p, b)
            elif which == 1:
                _bytes_block(p, b)
            else:
                _take_block(p, b)



def _as_indices(indices):
    """A C-contiguous 1-D int64 NumPy array viewing (or converted from) ``indices``."""
    if isinstance(indices, (pa.Array, pa.ChunkedArray)):
        if indices.null_count:
            raise ValueError("take indices must not contain nulls (use -1 for a null row)")
        indices = indices.to_numpy()
    idx = np.asarray(indices)
    if idx.ndim != 1:
        raise ValueError(f"take indices must be 1-D, got {idx.ndim} dimensions")
    if idx.dtype != np.int64:
        if idx.dtype.kind == "u" and idx.dtype.itemsize == 8:
            if idx.size and idx.max() > INT64_MAX:
                raise IndexError(f"index {idx.max()} is out of bounds")
            idx = idx.astype(np.int64)
        elif idx.dtype.kind in "iu":
            idx = idx.astype(np.int64)
        elif idx.size == 0:
            idx = np.zeros(0, dtype=np.int64)
        else:
            raise TypeError(f"take indices must be integers, got dtype {idx.dtype}")
    return np.ascontiguousarray(idx)


def take_array(arr, indices, *, bint check_bounds=True, bint all_valid_indices=False):
    """Rows ``arr[indices[i]]``; an index of -1 gives a null.

    Parameters
    ----------
    arr : pyarrow.Array
        Any layout frame knows (see the module docstring); may be sliced.
    indices : 1-D integer array-like
        A NumPy array, memoryview or anything exposing a 1-D buffer; int64 is used without a
        copy, other integer dtypes are converted.
    check_bounds : bool, default True
        Raise ``IndexError`` for an index < -1 or >= ``len(arr)``. With ``False`` every
        negative index gives a null and an index >= ``len(arr)`` is undefined behaviour.
    all_valid_indices : bool, default False
        The caller guarantees no index is negative (e.g. a join's matched rows): without
        ``check_bounds`` the result then needs no validity gathered unless ``arr`` has nulls.
        A negative index under this promise is undefined behaviour.

    Returns
    -------
    pyarrow.Array
        Same type as ``arr``, ``len(indices)`` rows; validity buffer only when the result has
        nulls. Equal to ``arr.take(indices)`` with -1 replaced by null.

    Raises
    ------
    IndexError
        An index is out of bounds (the message names the first one).
    TypeError
        ``arr`` is not an Array with a kernel layout, or the indices are not integers.
    OverflowError
        A string/binary result would need more than 2**31 - 1 bytes.

    Examples
    --------
    >>> import numpy as np, pyarrow as pa
    >>> take_array(pa.array(["a", "b", "c"]), np.array([2, -1, 0])).to_pylist()
    ['c', None, 'a']
    """
    cdef ArrayView view
    cdef TakePlan p
    cdef const int64_t[::1] iv
    cdef int t
    cdef int64_t b, m, total_bytes, nulls, n_neg, first_bad
    cdef OwnedBuffer data_buf = None, offsets_buf = None, validity_buf = None, starts_buf = None
    if not isinstance(arr, pa.Array):
        raise TypeError(f"take_array needs a pyarrow Array, got {type(arr).__name__}")
    view = ArrayView(arr)
    idx = _as_indices(indices)
    iv = idx
    m = iv.shape[0]
    t = n_threads_for(m)
    if t > MAX_BLOCKS:
        t = MAX_BLOCKS
    if t > (m + 63) // 64:
        t = 1
    p.idx = &iv[0] if m > 0 else NULL
    p.m = m
    p.n = view.length
    p.n_blocks = t
    p.block_rows = ((m + t - 1) // t + 63) // 64 * 64
    p.layout = view.layout
    p.width = view.byte_width
    p.off = view.offset
    p.data = view.data
    p.data_size = view.data_size
    p.offsets = view.offsets
    p.validity = view.validity
    p.out_data = NULL
    p.out_offsets = NULL
    p.starts = NULL
    p.out_validity = NULL
    for b in range(MAX_BLOCKS):
        p.neg[b] = 0
        p.bad[b] = -1
        p.nulls[b] = 0
        p.nbytes[b] = 0

    n_neg = 0 if all_valid_indices else -1   # -1: unknown when the scan is skipped
    if check_bounds:
        with nogil:
            _run(&p, t, 0)
        n_neg = 0
        first_bad = -1
        for b in range(p.n_blocks):
            n_neg += p.neg[b]
            if first_bad < 0 and p.bad[b] >= 0:
                first_bad = p.bad[b]
        if first_bad >= 0:
            raise IndexError(
                f"index {idx[first_bad]} at position {first_bad} is out of bounds for an "
                f"array of length {p.n} (valid: -1 for null, 0 to {p.n - 1})"
            )
    if view.layout == LAYOUT_NULL:
        return pa.nulls(m, type=arr.type)
    if p.n == 0 and m > 0:
        # Only -1 can be valid here (or garbage without bounds checks): never read the source.
        if view.dictionary is not None:
            return pa.DictionaryArray.from_buffers(arr.type, m, pa.nulls(m, view.type).buffers(),
                                                   view.dictionary, null_count=m)
        return pa.nulls(m, type=arr.type)

    if view.validity != NULL or n_neg != 0:
        validity_buf = allocate((m + 7) // 8, False)
        p.out_validity = validity_buf.data
    if view.layout == LAYOUT_FIXED or view.layout == LAYOUT_VIEW:
        data_buf = allocate(m * view.byte_width, False)
    elif view.layout == LAYOUT_BOOL:
        data_buf = allocate((m + 7) // 8, False)
    else:
        width = 4 if view.layout == LAYOUT_VARBIN32 else 8
        offsets_buf = allocate((m + 1) * width, False)
        starts_buf = allocate(m * width, False)
        p.out_offsets = offsets_buf.data
        p.starts = starts_buf.data
        with nogil:
            _run(&p, t, 1)
            exclusive_prefix(p.nbytes, p.n_blocks)
        total_bytes = p.nbytes[p.n_blocks]
        if view.layout == LAYOUT_VARBIN32:
            if total_bytes > INT32_MAX:
                raise OverflowError(
                    f"take result of type {arr.type} would hold {total_bytes} bytes, more "
                    f"than int32 offsets allow; cast to large_{str(arr.type)} first"
                )
            (<int32_t*>offsets_buf.data)[m] = <int32_t>total_bytes
        else:
            (<int64_t*>offsets_buf.data)[m] = total_bytes
        data_buf = allocate(total_bytes, False)
    p.out_data = data_buf.data

    with nogil:
        _run(&p, t, 2)
    starts_buf = None   # back to the buffer cache
    nulls = 0
    for b in range(p.n_blocks):
        nulls += p.nulls[b]

    validity = pa.py_buffer(validity_buf) if nulls > 0 else None
    if offsets_buf is not None:
        buffers = [validity, pa.py_buffer(offsets_buf), pa.py_buffer(data_buf)]
    else:
        buffers = [validity, pa.py_buffer(data_buf)]
        if view.layout == LAYOUT_VIEW:
            buffers.extend(view.extra_buffers)
    if view.dictionary is not None:
        return pa.DictionaryArray.from_buffers(arr.type, m, buffers, view.dictionary,
                                               null_count=nulls)
    return pa.Array.from_buffers(arr.type, m, buffers, null_count=nulls)
