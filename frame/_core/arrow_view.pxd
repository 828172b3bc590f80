from libc.stdint cimport int64_t, uint8_t

# Physical layouts the kernels understand. Logical types map onto these in ArrayView.__init__;
# anything else raises UnsupportedLayout (the Python layer turns it into UnsupportedTypeError).
cpdef enum Layout:
    LAYOUT_NULL = 0      # pa.null(): no buffers, every slot null
    LAYOUT_BOOL = 1      # bit-packed values
    LAYOUT_FIXED = 2     # fixed-width values of byte_width bytes (ints, floats, temporal, decimal)
    LAYOUT_VARBIN32 = 3  # int32 offsets + data (string, binary)
    LAYOUT_VARBIN64 = 4  # int64 offsets + data (large_string, large_binary)
    LAYOUT_VIEW = 5      # 16-byte views + variadic data buffers (string_view, binary_view)


cdef class ArrayView:
    cdef readonly object array          # keeps every buffer alive while the view is used
    cdef readonly object type           # pyarrow DataType of the values (indices type for dicts)
    cdef readonly object dictionary     # pa.Array or None
    cdef readonly list extra_buffers    # variadic data buffers of view types (passed through)
    cdef readonly int layout
    cdef readonly int byte_width        # FIXED/VIEW: bytes per value; 0 otherwise
    cdef readonly int64_t length
    cdef readonly int64_t offset        # logical offset (elements / bits) into every buffer
    cdef readonly int64_t null_count
    cdef const uint8_t* validity        # NULL when there are no nulls
    cdef const uint8_t* data            # FIXED/BOOL/VIEW values; VARBIN: character data
    cdef const uint8_t* offsets         # VARBIN: int32 or int64 offsets; NULL otherwise
    cdef int64_t validity_size          # bytes available in the validity buffer
    cdef int64_t data_size              # bytes available in the data buffer
