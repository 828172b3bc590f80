"""Zero-copy views of pyarrow arrays for the kernels.

An ``ArrayView`` reads ``Array.buffers()`` once, keeps the array alive, and exposes raw pointers
plus the logical ``offset``. Buffers are never offset-adjusted: element ``i`` lives at
``data[(offset + i) * byte_width]``, its validity bit at ``offset + i``, and string ``i`` spans
``offsets[offset + i] .. offsets[offset + i + 1]`` into the un-rebased character buffer.
"""
import pyarrow as pa
import pyarrow.types as pat

from libc.stdint cimport int64_t, uint8_t, uintptr_t


class UnsupportedLayout(TypeError):
    """The kernels have no physical layout for this Arrow type."""


cdef inline const uint8_t* _ptr(object buf):
    if buf is None:
        return NULL
    return <const uint8_t*><uintptr_t>buf.address


def layout_of(dtype):
    """(layout, byte_width) for a pyarrow DataType; raises UnsupportedLayout."""
    if pat.is_dictionary(dtype):
        return layout_of(dtype.index_type)
    if pat.is_null(dtype):
        return LAYOUT_NULL, 0
    if pat.is_boolean(dtype):
        return LAYOUT_BOOL, 0
    if pat.is_string(dtype) or pat.is_binary(dtype):
        return LAYOUT_VARBIN32, 0
    if pat.is_large_string(dtype) or pat.is_large_binary(dtype):
        return LAYOUT_VARBIN64, 0
    if pat.is_string_view(dtype) or pat.is_binary_view(dtype):
        return LAYOUT_VIEW, 16
    if pat.is_fixed_size_binary(dtype) or pat.is_decimal(dtype):
        return LAYOUT_FIXED, dtype.byte_width
    if (pat.is_integer(dtype) or pat.is_floating(dtype) or pat.is_temporal(dtype)):
        bw = dtype.bit_width
        if bw % 8 == 0 and bw > 0:
            return LAYOUT_FIXED, bw // 8
    raise UnsupportedLayout(f"type {dtype} has no kernel layout")


cdef class ArrayView:
    """Raw-pointer view of one pyarrow Array (not chunked)."""

    def __init__(self, array):
        if not isinstance(array, pa.Array):
            raise TypeError(f"ArrayView needs a pyarrow.Array, got {type(array).__name__}")
        dtype = array.type
        self.array = array
        self.dictionary = None
        self.extra_buffers = []
        if pat.is_dictionary(dtype):
            self.dictionary = array.dictionary
            indices = array.indices
            self.type = indices.type
            bufs = indices.buffers()
        else:
            self.type = dtype
            bufs = array.buffers()
        self.layout, self.byte_width = layout_of(self.type)
        self.length = len(array)
        self.offset = array.offset
        self.null_count = array.null_count
        self.validity = NULL
        self.data = NULL
        self.offsets = NULL
        self.validity_size = 0
        self.data_size = 0
        if self.layout == LAYOUT_NULL:
            self.null_count = self.length
            return
        if bufs[0] is not None and self.null_count > 0:
            self.validity = _ptr(bufs[0])
            self.validity_size = bufs[0].size
        if self.layout == LAYOUT_VARBIN32 or self.layout == LAYOUT_VARBIN64:
            self.offsets = _ptr(bufs[1])
            if bufs[2] is not None:
                self.data = _ptr(bufs[2])
                self.data_size = bufs[2].size
        else:
            if bufs[1] is not None:
                self.data = _ptr(bufs[1])
                self.data_size = bufs[1].size
            if self.layout == LAYOUT_VIEW:
                self.extra_buffers = list(bufs[2:])

    @property
    def has_validity(self):
        return self.validity != NULL
