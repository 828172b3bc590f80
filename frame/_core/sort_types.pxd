# Shared by sort.pyx and hashing.pyx: fused physical types, float canonicalisation, and a
# uniform (pointer, length) accessor over every variable-width / fixed-width byte layout.
from libc.stdint cimport int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcmp

from libc.stdint cimport uintptr_t

from frame._core.arrow_view cimport (
    LAYOUT_FIXED, LAYOUT_VARBIN32, LAYOUT_VARBIN64, LAYOUT_VIEW, ArrayView,
)

from frame._core.dtypes cimport fbits_t, int_t


cdef extern from *:
    """
    #include <string.h>
    static inline long long frame_load_i32(const unsigned char* p) {
        int v; memcpy(&v, p, 4); return (long long)v;
    }
    static inline long long frame_load_i64(const unsigned char* p) {
        long long v; memcpy(&v, p, 8); return v;
    }
    static inline unsigned long long frame_load_u64(const unsigned char* p) {
        unsigned long long v; memcpy(&v, p, 8); return v;
    }
    """
    int64_t load_i32 "frame_load_i32"(const uint8_t* p) noexcept nogil
    int64_t load_i64 "frame_load_i64"(const uint8_t* p) noexcept nogil
    uint64_t load_u64 "frame_load_u64"(const uint8_t* p) noexcept nogil


cdef inline uint64_t float_sign(fbits_t u) noexcept nogil:
    return (<uint64_t>1) << (8 * sizeof(fbits_t) - 1)


cdef inline uint64_t float_inf(fbits_t u) noexcept nogil:
    if fbits_t is uint16_t:
        return 0x7C00
    elif fbits_t is uint32_t:
        return 0x7F800000
    else:
        return 0x7FF0000000000000


cdef inline uint64_t float_canonical(fbits_t u) noexcept nogil:
    """Bits of ``u`` with -0.0 -> +0.0 and every NaN -> the quiet NaN with an empty payload."""
    cdef uint64_t sign = float_sign(u)
    cdef uint64_t inf = float_inf(u)
    cdef uint64_t a = (<uint64_t>u) & (sign - 1)
    if a > inf:
        if fbits_t is uint16_t:
            return 0x7E00
        elif fbits_t is uint32_t:
            return 0x7FC00000
        else:
            return 0x7FF8000000000000
    if a == 0:
        return 0
    return <uint64_t>u


cdef inline uint64_t float_mono(fbits_t u) noexcept nogil:
    """Order-preserving unsigned image of a float: -inf < ... < -0.0 == 0.0 < ... < inf < NaN."""
    cdef uint64_t sign = float_sign(u)
    cdef uint64_t inf = float_inf(u)
    cdef uint64_t allm = sign | (sign - 1)
    cdef uint64_t a = (<uint64_t>u) & (sign - 1)
    if a > inf:
        return (inf | sign) + 1
    if a == 0:
        return sign
    if (<uint64_t>u) & sign:
        return (~(<uint64_t>u)) & allm
    return (<uint64_t>u) | sign


cdef struct BytesSrc:
    int layout                  # LAYOUT_VARBIN32 / VARBIN64 / VIEW / FIXED
    const uint8_t* data         # VARBIN: character data; VIEW: the 16-byte views; FIXED: values
    const uint8_t* offsets      # VARBIN offsets (int32 / int64)
    const uint8_t** bufs        # VIEW: variadic data buffers
    int64_t offset              # logical array offset
    int64_t width               # FIXED: bytes per value


cdef inline const uint8_t* bytes_at(const BytesSrc* s, int64_t i, int64_t* length) noexcept nogil:
    """Start and length of value ``i`` (logical index, the array offset is added here)."""
    cdef int64_t j = s.offset + i
    cdef int64_t o, ln
    cdef const uint8_t* v
    if s.layout == LAYOUT_VARBIN32:
        o = (<const int32_t*>s.offsets)[j]
        length[0] = (<const int32_t*>s.offsets)[j + 1] - o
        return s.data + o
    if s.layout == LAYOUT_VARBIN64:
        o = (<const int64_t*>s.offsets)[j]
        length[0] = (<const int64_t*>s.offsets)[j + 1] - o
        return s.data + o
    if s.layout == LAYOUT_VIEW:
        v = s.data + j * 16
        ln = load_i32(v)
        length[0] = ln
        if ln <= 12:
            return v + 4
        return s.bufs[load_i32(v + 8)] + load_i32(v + 12)
    length[0] = s.width
    return s.data + j * s.width


cdef inline int bytes_cmp(const uint8_t* a, int64_t la, const uint8_t* b, int64_t lb) noexcept nogil:
    """Bytewise lexicographic comparison (-1, 0, 1); a proper prefix sorts first."""
    cdef int64_t m = la if la < lb else lb
    cdef int r
    if m > 0:
        r = memcmp(a, b, <size_t>m)
        if r != 0:
            return -1 if r < 0 else 1
    if la == lb:
        return 0
    return -1 if la < lb else 1


cdef inline object bytes_source(ArrayView v, BytesSrc* s):
    """Fill ``s`` from ``v``; returns an object that must stay alive while ``s`` is used."""
    cdef object keep = None
    cdef const uint8_t** bufs
    cdef Py_ssize_t k
    s.layout = v.layout
    s.data = v.data
    s.offsets = v.offsets
    s.offset = v.offset
    s.width = v.byte_width
    s.bufs = NULL
    if v.layout == LAYOUT_VIEW:
        keep = bytearray(8 * (len(v.extra_buffers) + 1))
        bufs = <const uint8_t**><char*>keep
        for k in range(len(v.extra_buffers)):
            b = v.extra_buffers[k]
            if b is None:  # (an if statement, not a conditional expression: keeps the const)
                bufs[k] = NULL
            else:
                bufs[k] = <const uint8_t*><uintptr_t>b.address
        s.bufs = bufs
    return keep
