from libc.stdint cimport int64_t, uint8_t


cdef class OwnedBuffer:
    cdef uint8_t* data
    cdef int64_t size          # bytes exposed to consumers
    cdef int64_t capacity      # bytes allocated (size rounded up to 64, at least 64)
    cdef Py_ssize_t _shape[1]
    cdef Py_ssize_t _strides[1]
    cdef int _exports


cdef OwnedBuffer allocate(int64_t size, bint zeroed)
