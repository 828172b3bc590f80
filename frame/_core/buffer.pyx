"""Owned, 64-byte aligned memory that kernels fill and pyarrow wraps without a copy.

``pa.py_buffer(owned)`` keeps the ``OwnedBuffer`` alive through the buffer protocol, so an Arrow
array built from it owns its memory. Padding past ``size`` up to the next 64 bytes is zeroed,
as the Arrow format recommends. ``live_buffer_count()`` exists so tests can check for leaks.

Large blocks are recycled: glibc serves every allocation above ~128 KiB with a fresh mmap and
returns it on free, so a kernel writing an 80 MB output pays one page fault per 4 KiB page on
every call — measured at 2-3x the cost of the filter kernel itself at 1e7 rows. Freed blocks of
at least 1 MiB are kept in a small cache (at most ``_CACHE_SLOTS`` blocks and
``FRAME_BUFFER_CACHE_MB`` MiB, default 256) and handed out again for a request of at least half
their size. ``clear_buffer_cache()`` returns them to the system.
"""
import os
from libc.stdint cimport int64_t, uint8_t
from libc.stdlib cimport free

cdef extern from "stdlib.h" nogil:
    int posix_memalign(void** memptr, size_t alignment, size_t size)
from libc.string cimport memset

cdef int64_t _live = 0

DEF _CACHE_SLOTS = 16
cdef int64_t _CACHE_MIN = 1 << 20
cdef int64_t _cache_limit = <int64_t>int(os.environ.get("FRAME_BUFFER_CACHE_MB", "256")) << 20
cdef void* _cache_ptr[_CACHE_SLOTS]
cdef int64_t _cache_cap[_CACHE_SLOTS]
cdef int _cache_n = 0
cdef int64_t _cache_bytes = 0


cdef void* _cache_take(int64_t cap, int64_t* got) noexcept:
    """Best-fitting cached block with cap <= size <= 2*cap, or NULL (runs with the GIL)."""
    global _cache_n, _cache_bytes
    cdef int i, best = -1
    for i in range(_cache_n):
        if _cache_cap[i] >= cap and _cache_cap[i] <= 2 * cap:
            if best < 0 or _cache_cap[i] < _cache_cap[best]:
                best = i
    if best < 0:
        return NULL
    cdef void* ptr = _cache_ptr[best]
    got[0] = _cache_cap[best]
    _cache_bytes -= _cache_cap[best]
    _cache_n -= 1
    _cache_ptr[best] = _cache_ptr[_cache_n]
    _cache_cap[best] = _cache_cap[_cache_n]
    return ptr


cdef void _cache_put(void* ptr, int64_t cap) noexcept:
    """Keep a freed block for reuse, or free it when the cache is full (runs with the GIL)."""
    global _cache_n, _cache_bytes
    if cap < _CACHE_MIN or _cache_n >= _CACHE_SLOTS or _cache_bytes + cap > _cache_limit:
        free(ptr)
        return
    _cache_ptr[_cache_n] = ptr
    _cache_cap[_cache_n] = cap
    _cache_n += 1
    _cache_bytes += cap


def clear_buffer_cache():
    """Free every cached block; returns the number of bytes released."""
    global _cache_n, _cache_bytes
    released = _cache_bytes
    while _cache_n > 0:
        _cache_n -= 1
        free(_cache_ptr[_cache_n])
    _cache_bytes = 0
    return released


def buffer_cache_bytes():
    """Bytes currently held in the reuse cache."""
    return _cache_bytes


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
            _cache_put(self.data, self.capacity)
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
    cdef int64_t cap, padded
    if size < 0:
        raise ValueError(f"negative buffer size {size}")
    cap = ((size + 63) // 64) * 64
    if cap == 0:
        cap = 64
    padded = cap
    if cap >= _CACHE_MIN:
        ptr = _cache_take(cap, &cap)
    if ptr == NULL and (posix_memalign(&ptr, 64, <size_t>cap) != 0 or ptr == NULL):
        raise MemoryError(f"frame could not allocate {size} bytes")
    buf.data = <uint8_t*>ptr
    buf.size = size
    buf.capacity = cap
    _live += 1
    if zeroed:
        memset(ptr, 0, <size_t>padded)
    else:
        memset(<uint8_t*>ptr + size, 0, <size_t>(padded - size))
    return buf


def allocate_buffer(int64_t size, bint zeroed=True):
    """Python entry point used by tests: an OwnedBuffer of ``size`` bytes."""
    return allocate(size, zeroed)
