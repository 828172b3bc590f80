# Small memory helpers shared by the data-movement kernels (filter, take).
from libc.stdint cimport int64_t, uint8_t
from libc.string cimport memcpy


cdef inline void copy_bytes(uint8_t* dst, const uint8_t* src, int64_t n,
                            int64_t dst_room, int64_t src_room) noexcept nogil:
    """Copy ``n`` bytes; short copies over-copy a fixed 16/32 bytes when both sides have room
    (the caller's next copy overwrites the excess; ``dst_room`` ends at the caller's region)."""
    if n <= 16 and dst_room >= 16 and src_room >= 16:
        memcpy(dst, src, 16)
    elif n <= 32 and dst_room >= 32 and src_room >= 32:
        memcpy(dst, src, 32)
    elif n > 0:
        memcpy(dst, src, <size_t>n)


cdef inline void exclusive_prefix(int64_t* a, int64_t nb) noexcept nogil:
    """Per-block counts a[0..nb) become exclusive prefix sums (block output starts); a[nb] = total."""
    cdef int64_t b, c
    cdef int64_t total = 0
    for b in range(nb):
        c = a[b]
        a[b] = total
        total += c
    a[nb] = total
