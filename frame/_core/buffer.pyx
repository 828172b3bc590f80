"""Owned, 64-byte aligned memory that kernels fill and pyarrow wraps without a copy.

``pa.py_buffer(owned)`` keeps the ``OwnedBuffer`` alive through the buffer protocol, so an Arrow
array built from it owns its memory. Padding past ``size`` up to the next 64 bytes is zeroed,
as the Arrow format recommends. ``live_buffer_count()`` exists so tests can check for leaks.

Large blocks are recycled: glibc serves every allocation above ~128 KiB with a fresh mmap and
returns it on free, so a kernel writing an 80 MB output pays a page fault and the kernel's
zeroing of every page on every call -- measured at 2-3x the cost of the filter kernel itself at
1e7 rows, and half the time of a 1e7-row join whose output is 700 MB. Freed blocks of at least
1 MiB are kept in a cache and handed out again for a request of at least half their size, the
way jemalloc and mimalloc keep dirty pages for reuse. The cache holds at most ``_CACHE_SLOTS``
blocks and ``FRAME_BUFFER_CACHE_MB`` MiB (default: an eighth of physical memory, at most 2 GiB);
when a freed block does not fit, the least recently freed blocks are released first, so the
cache follows the working set. ``clear_buffer_cache()`` returns every cached block to the system.
"""
import os
from libc.stdint cimport int64_t, uint8_t
from libc.stdlib cimport free

cdef extern from "stdlib.h" nogil:
    int posix_memalign(void** memptr, size_t alignment, size_t size)
from libc.string cimport memset

cdef int64_t _live = 0

DEF _CACHE_SLOTS = 64
cdef int64_t _CACHE_MIN = 1 << 20


def _default_cache_mb():
    try:
        ram = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 256
    return max(64, min(ram // 8, 2 << 30) >> 20)


cdef int64_t _cache_limit = <int64_t>int(
    os.environ.get("FRAME_BUFFER_CACHE_MB", _default_cache_mb())) << 20
cdef void* _cache_ptr[_CACHE_SLOTS]
cdef int64_t _cache_cap[_CACHE_SLOTS]
cdef int _cache_n = 0
cdef int64_t _cache_bytes = 0


cdef void _cache_remove(int i) noexcept:
    """Drop slot ``i``, keeping the others in the order they were freed (oldest first)."""
    global _cache_n, _cache_bytes
    cdef int j
    _cache_bytes -= _cache_cap[i]
    for j in range(i, _cache_n - 1):
        _cache_ptr[j] = _cache_ptr[j + 1]
        _cache_cap[j] = _cache_cap[j + 1]
    _cache_n -= 1


cdef void* _cache_take(int64_t cap, int64_t* got) noexcept:
    """Best-fitting cached block with cap <= size <= 2*cap, or NULL (runs with the GIL)."""
    cdef int i, best = -1
    for i in range(_cache_n):
        if _cache_cap[i] >= cap and _cache_cap[i] <= 2 * cap:
            if best < 0 or _cache_cap[i] < _cache_cap[best]:
                best = i
    if best < 0:
        return NULL
    cdef void* ptr = _cache_ptr[best]
    got[0] = _cache_cap[best]
    _cache_remove(best)
    return ptr


cdef void _cache_put(void* ptr, int64_t cap) noexcept:
    """Keep a freed block for reuse, releasing the least recently freed blocks to make room;
    a block larger than the whole cache is freed at once (runs with the GIL)."""
    global _cache_n, _cache_bytes
    if cap < _CACHE_MIN or cap > _cache_limit:
        free(ptr)
        return
    while _cache_n > 0 and (_cache_n >= _CACHE_SLOTS or _cache_bytes + cap > _cache_limit):
        free(_cache_ptr[0])
        _cache_remove(0)
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
