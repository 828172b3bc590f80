# Bit helpers for Arrow validity / boolean bitmaps (LSB first). All take absolute bit positions:
# callers add the array offset themselves.
from libc.stdint cimport int64_t, uint8_t, uint64_t


cdef inline bint get_bit(const uint8_t* bits, int64_t i) noexcept nogil:
    return (bits[i >> 3] >> (i & 7)) & 1


cdef inline void set_bit(uint8_t* bits, int64_t i) noexcept nogil:
    bits[i >> 3] |= <uint8_t>(1 << (i & 7))


cdef inline void clear_bit(uint8_t* bits, int64_t i) noexcept nogil:
    bits[i >> 3] &= <uint8_t>~(1 << (i & 7))


cdef extern from *:
    """
    #include <string.h>
    static inline int frame_popcount64(unsigned long long x) { return __builtin_popcountll(x); }
    static inline int frame_ctz64(unsigned long long x) { return __builtin_ctzll(x); }
    /* Load 64 bits starting at an arbitrary bit position `bit` of `bits` (LSB first), reading at
       most `nbytes_avail` bytes from byte (bit >> 3) onwards; missing bytes read as zero. */
    static inline unsigned long long frame_load_word(const unsigned char* bits, long long bit,
                                                     long long nbytes_avail) {
        const unsigned char* p = bits + (bit >> 3);
        unsigned int shift = (unsigned int)(bit & 7);
        unsigned long long lo = 0, hi = 0;
        if (nbytes_avail >= 8) {
            memcpy(&lo, p, 8);
        } else if (nbytes_avail > 0) {
            memcpy(&lo, p, (size_t)nbytes_avail);
        }
        if (shift == 0) return lo;
        if (nbytes_avail >= 9) hi = p[8];
        return (lo >> shift) | (hi << (64 - shift));
    }
    """
    int popcount64 "frame_popcount64"(uint64_t x) noexcept nogil
    int ctz64 "frame_ctz64"(uint64_t x) noexcept nogil
    uint64_t load_word "frame_load_word"(const uint8_t* bits, int64_t bit, int64_t nbytes_avail) noexcept nogil


cdef inline uint64_t load_bits(const uint8_t* bits, int64_t bit, int64_t n_bits) noexcept nogil:
    """Up to 64 bits starting at absolute position ``bit``; bits past ``n_bits`` are zeroed.

    Never reads a byte that holds none of the requested bits (safe at buffer ends).
    """
    cdef int64_t first_byte = bit >> 3
    cdef int64_t last_byte = (bit + n_bits - 1) >> 3
    cdef uint64_t w
    if n_bits <= 0:
        return 0
    w = load_word(bits, bit, last_byte - first_byte + 1)
    if n_bits < 64:
        w &= ((<uint64_t>1) << n_bits) - 1
    return w


cdef extern from *:
    """
    static inline int frame_clz64(unsigned long long x) { return __builtin_clzll(x); }
    """
    # Leading zero count; undefined for x == 0 (callers check).
    int clz64 "frame_clz64"(uint64_t x) noexcept nogil
