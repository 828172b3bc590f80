"""Owned, 64-byte aligned memory that kernels fill and pyarrow wraps without a copy.

``pa.py_buffer(owned)`` keeps the ``OwnedBuffer`` alive through the buffer protocol, so an Arrow
array built from it owns its memory. Padding past ``size`` up to the 64-byte capacity is zeroed,
as the Arrow format recommends. ``live_buffer_count()`` exists so tests can check for leaks.
"""
from libc.stdint cimport int64_t, uint8_t
from libc.stdlib cimport free

cdef extern from "stdlib.h" nogil:
    int posix_memalign(void** memptr, size_t alignment, size_t size)
from libc.string cimport memset

cdef int64_t _live = 0


def live_buffer_count():
    """Number of OwnedBuffer objects currently alive (for leak tests)."""
    return _live


cdef class OwnedBuffer:
    """A block of aligned memory exported through the buffer protocol (format ``B``)."""

    def __cinit__(self):
        self.data = NULL
        self.size = 0
        self.capacity = 0
        self._exports = 0

    def __dealloc__(self):
        global _live
        if self.data != NULL:
            free(self.data)
            self.data = NULL
            _live -= 1

    def __len__(self):
        return self.size

    @property
    def address(self):
        return <size_t>self.data

    def __getbuffer__(self, Py_buffer* view, int flags):
        self._shape[0] = self.size
        self._strides[0] = 1
        view.buf = <void*>self.data
        view.obj = self
        view.len = self.size
        view.readonly = 0
        view.itemsize = 1
        view.format = "B"
        view.ndim = 1
        view.shape = self._shape
        view.strides = self._strides
        view.suboffsets = NULL
        view.internal = NULL
        self._exports += 1

    def __releasebuffer__(self, Py_buffer* view):
        self._exports -= 1


cdef OwnedBuffer allocate(int64_t size, bint zeroed):
    """Allocate ``size`` bytes (64-byte aligned, padding zeroed); raise MemoryError on failure."""
    global _live
    cdef OwnedBuffer buf = OwnedBuffer.__new__(OwnedBuffer)
    cdef void* ptr = NULL
    cdef int64_t cap
    if size < 0:
        raise ValueError(f"negative buffer size {size}")
    cap = ((size + 63) // 64) * 64
    if cap == 0:
        cap = 64
    if posix_memalign(&ptr, 64, <size_t>cap) != 0 or ptr == NULL:
        raise MemoryError(f"frame could not allocate {size} bytes")
    buf.data = <uint8_t*>ptr
    buf.size = size
    buf.capacity = cap
    _live += 1
    if zeroed:
        memset(ptr, 0, <size_t>cap)
    else:
        memset(<uint8_t*>ptr + size, 0, <size_t>(cap - size))
    return buf


def allocate_buffer(int64_t size, bint zeroed=True):
    """Python entry point used by tests: an OwnedBuffer of ``size`` bytes."""
    return allocate(size, zeroed)
