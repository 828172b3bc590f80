"""Hashing kernels: dense factorisation of key columns and a stable 64-bit row hash.

Layouts: every ``ArrayView`` layout (NULL, BOOL, FIXED ints / floats / temporal / decimal /
fixed-size binary, VARBIN32, VARBIN64, VIEW) and dictionary arrays, which are taken by *value*.

``factorize`` is one pass, O(n) expected:

* integers (and temporal / decimal32 / decimal64) whose range is small
  (``max - min < max(2n, 65536)``) index a direct table;
* other 64-bit keys (integers; floats through their canonical bits, ``-0.0 -> 0.0`` and every
  NaN -> one NaN) go through an open-addressing table (linear probing, load <= 1/2) positioned by
  murmur3's ``fmix64``; keys are compared exactly;
* byte keys (strings, binary, views, decimal128/256, fixed-size binary) are hashed with XXH64;
  slots keep (hash, code, pointer, length) and equal hashes are confirmed with ``memcmp``;
* dictionaries: the dictionary is factorized first (equal values -> one code, a null entry is a
  null), then the rows are re-factorized through the direct path, so codes follow the first
  appearance of each *value* in the rows.

Codes are dense ``0 .. n_uniques - 1`` in order of first appearance; null is one value with its
own code. ``first_index[c]`` is the first row whose code is ``c``.

``hash_array`` is XXH64 (Yann Collet's xxHash, 64-bit variant, as specified in
``xxhash_spec.md``) of a canonical little-endian byte image of each value:

==========================  ==============================================================
type                        bytes hashed
==========================  ==============================================================
signed ints, temporal       the value widened to int64, 8 bytes little-endian
unsigned ints               the value widened to uint64, 8 bytes little-endian
bool                        as the integer 0 / 1
float16/32/64               the value widened (exactly) to float64; -0.0 -> 0.0, every NaN ->
                            0x7FF8000000000000; 8 bytes little-endian
decimal32/64/128            the unscaled value as 16-byte little-endian two's complement
decimal256                  the unscaled value as 32-byte little-endian two's complement
string/binary (all kinds)   the value's bytes (UTF-8 for strings); fixed-size binary the same
dictionary                  the hash of the dictionary value
null (any type)             XXH64 of the empty input with seed ``seed ^ 0x9E3779B97F4A7C15``
==========================  ==============================================================

So ``hash_array(x, seed)[i] == xxhash.xxh64(canonical_bytes(x[i]), seed).intdigest()``; the value
never depends on the process, the platform or the Arrow layout (offsets, slices, views).
"""
import numpy as np
import pyarrow as pa
import pyarrow.types as pat

from cython.parallel cimport prange
from libc.stdint cimport (
    int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t, uintptr_t,
)
from libc.stdlib cimport calloc, free, malloc, realloc
from libc.string cimport memcmp, memcpy, memset

from frame._core.arrow_view cimport (
    LAYOUT_BOOL, LAYOUT_FIXED, LAYOUT_NULL, LAYOUT_VARBIN32, LAYOUT_VARBIN64, LAYOUT_VIEW,
    ArrayView,
)
from frame._core.bitmap cimport get_bit, popcount64
from frame._core.buffer cimport allocate
from frame._core.parallel cimport n_threads_for
from frame._core.sort_types cimport (
    BytesSrc, bytes_at, bytes_source, fbits_t, float_canonical, int_t,
)
from frame._core.dtypes cimport offset_t


cdef extern from *:
    """
    #include <stdint.h>
    #include <string.h>
    #define FRAME_P1 0x9E3779B185EBCA87ULL
    #define FRAME_P2 0xC2B2AE3D27D4EB4FULL
    #define FRAME_P3 0x165667B19E3779F9ULL
    #define FRAME_P4 0x85EBCA77C2B2AE63ULL
    #define FRAME_P5 0x27D4EB2F165667C5ULL
    #if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    #define FRAME_LE64(x) __builtin_bswap64(x)
    #define FRAME_LE32(x) __builtin_bswap32(x)
    #else
    #define FRAME_LE64(x) (x)
    #define FRAME_LE32(x) (x)
    #endif
    static inline uint64_t frame_rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
    static inline uint64_t frame_rd64(const unsigned char* p) {
        uint64_t v; memcpy(&v, p, 8); return FRAME_LE64(v);
    }
    static inline uint64_t frame_rd32(const unsigned char* p) {
        uint32_t v; memcpy(&v, p, 4); return (uint64_t)FRAME_LE32(v);
    }
    static inline uint64_t frame_xxh_round(uint64_t acc, uint64_t input) {
        acc += input * FRAME_P2; acc = frame_rotl64(acc, 31); return acc * FRAME_P1;
    }
    static inline uint64_t frame_xxh_merge(uint64_t acc, uint64_t val) {
        acc ^= frame_xxh_round(0, val); return acc * FRAME_P1 + FRAME_P4;
    }
    static inline uint64_t frame_xxh_avalanche(uint64_t h) {
        h ^= h >> 33; h *= FRAME_P2; h ^= h >> 29; h *= FRAME_P3; h ^= h >> 32; return h;
    }
    /* XXH64 of `len` bytes at `p` (reference algorithm, little-endian reads). */
    static uint64_t frame_xxh64(const unsigned char* p, int64_t len, uint64_t seed) {
        const unsigned char* end = p + len;
        uint64_t h;
        if (len >= 32) {
            const unsigned char* limit = end - 32;
            uint64_t v1 = seed + FRAME_P1 + FRAME_P2, v2 = seed + FRAME_P2, v3 = seed,
                     v4 = seed - FRAME_P1;
            do {
                v1 = frame_xxh_round(v1, frame_rd64(p)); p += 8;
                v2 = frame_xxh_round(v2, frame_rd64(p)); p += 8;
                v3 = frame_xxh_round(v3, frame_rd64(p)); p += 8;
                v4 = frame_xxh_round(v4, frame_rd64(p)); p += 8;
            } while (p <= limit);
            h = frame_rotl64(v1, 1) + frame_rotl64(v2, 7) + frame_rotl64(v3, 12)
                + frame_rotl64(v4, 18);
            h = frame_xxh_merge(h, v1); h = frame_xxh_merge(h, v2);
            h = frame_xxh_merge(h, v3); h = frame_xxh_merge(h, v4);
        } else {
            h = seed + FRAME_P5;
        }
        h += (uint64_t)len;
        while (p + 8 <= end) {
            h ^= frame_xxh_round(0, frame_rd64(p));
            h = frame_rotl64(h, 27) * FRAME_P1 + FRAME_P4; p += 8;
        }
        if (p + 4 <= end) {
            h ^= frame_rd32(p) * FRAME_P1;
            h = frame_rotl64(h, 23) * FRAME_P2 + FRAME_P3; p += 4;
        }
        while (p < end) {
            h ^= (uint64_t)(*p) * FRAME_P5;
            h = frame_rotl64(h, 11) * FRAME_P1; p++;
        }
        return frame_xxh_avalanche(h);
    }
    /* XXH64 of the 8 little-endian bytes of `v` (same result as frame_xxh64 on them). */
    static inline uint64_t frame_xxh64_u64(uint64_t v, uint64_t seed) {
        uint64_t h = seed + FRAME_P5 + 8;
        h ^= frame_xxh_round(0, v);
        h = frame_rotl64(h, 27) * FRAME_P1 + FRAME_P4;
        return frame_xxh_avalanche(h);
    }
    /* XXH64 of the 16 little-endian bytes lo, hi. */
    static inline uint64_t frame_xxh64_u128(uint64_t lo, uint64_t hi, uint64_t seed) {
        uint64_t h = seed + FRAME_P5 + 16;
        h ^= frame_xxh_round(0, lo);
        h = frame_rotl64(h, 27) * FRAME_P1 + FRAME_P4;
        h ^= frame_xxh_round(0, hi);
        h = frame_rotl64(h, 27) * FRAME_P1 + FRAME_P4;
        return frame_xxh_avalanche(h);
    }
    static inline uint64_t frame_fmix64(uint64_t k) {
        k ^= k >> 33; k *= 0xFF51AFD7ED558CCDULL; k ^= k >> 33;
        k *= 0xC4CEB9FE1A85EC53ULL; k ^= k >> 33; return k;
    }
    /* Exact widening of float16 / float32 bit patterns to float64 bit patterns. */
    static inline uint64_t frame_f32_to_f64_bits(uint32_t u) {
        float f; double d; uint64_t r; memcpy(&f, &u, 4); d = (double)f; memcpy(&r, &d, 8);
        return r;
    }
    static inline uint64_t frame_f16_to_f64_bits(uint16_t u) {
        uint64_t sign = (uint64_t)(u >> 15) << 63;
        uint32_t exp = (u >> 10) & 0x1F, man = u & 0x3FF;
        if (exp == 0x1F) return sign | 0x7FF0000000000000ULL | ((uint64_t)man << 42);
        if (exp == 0) {
            if (man == 0) return sign;
            /* subnormal: value = man * 2^-24; normalise */
            int e = -14;
            while (!(man & 0x400)) { man <<= 1; e--; }
            man &= 0x3FF;
            return sign | ((uint64_t)(e + 1023) << 52) | ((uint64_t)man << 42);
        }
        return sign | ((uint64_t)(exp - 15 + 1023) << 52) | ((uint64_t)man << 42);
    }
    """
    uint64_t xxh64 "frame_xxh64"(const uint8_t* p, int64_t length, uint64_t seed) noexcept nogil
    uint64_t FRAME_LE64(uint64_t x) noexcept nogil
    uint64_t xxh64_u64 "frame_xxh64_u64"(uint64_t v, uint64_t seed) noexcept nogil
    uint64_t xxh64_u128 "frame_xxh64_u128"(uint64_t lo, uint64_t hi, uint64_t seed) noexcept nogil
    uint64_t fmix64 "frame_fmix64"(uint64_t k) noexcept nogil
    uint64_t f32_to_f64_bits "frame_f32_to_f64_bits"(uint32_t u) noexcept nogil
    uint64_t f16_to_f64_bits "frame_f16_to_f64_bits"(uint16_t u) noexcept nogil


cdef uint64_t _NULL_SEED_XOR = 0x9E3779B97F4A7C15
cdef uint64_t _U64_MASK = 0xFFFFFFFFFFFFFFFF
cdef int64_t _DIRECT_MIN = 65536
# from this many rows, high-cardinality 64-bit keys are factorized by radix partitions
cdef int64_t _PARTITION_MIN_ROWS = 1 << 20


def _empty_i64(int64_t n):
    """Uninitialised int64 array on a recycled ``OwnedBuffer`` block (no fresh-page faults for
    the large code arrays a group-by allocates on every call)."""
    return np.frombuffer(allocate(n * 8, False), dtype=np.int64)


# ------------------------------------------------------------------------------------------------
# type classification (shared with sort.pyx through a Python import)

def classify(dtype):
    """``(kind, signed, byte_width)`` of a supported key type; ``TypeError`` otherwise.

    kind is one of ``"null"``, ``"bool"``, ``"int"`` (integers, temporal), ``"float"``,
    ``"decimal"``, ``"bytes"`` (string / binary in every layout, fixed-size binary) or ``"dict"``.
    """
    if pat.is_dictionary(dtype):
        classify(dtype.value_type)
        return "dict", False, 0
    if pat.is_null(dtype):
        return "null", False, 0
    if pat.is_boolean(dtype):
        return "bool", False, 0
    if pat.is_integer(dtype):
        return "int", pat.is_signed_integer(dtype), dtype.bit_width // 8
    if pat.is_floating(dtype):
        return "float", True, dtype.bit_width // 8
    if pat.is_date(dtype) or pat.is_timestamp(dtype) or pat.is_duration(dtype) or pat.is_time(dtype):
        return "int", True, dtype.bit_width // 8
    if pat.is_decimal(dtype):
        return "decimal", True, dtype.bit_width // 8
    if (pat.is_string(dtype) or pat.is_binary(dtype) or pat.is_large_string(dtype)
            or pat.is_large_binary(dtype) or pat.is_string_view(dtype)
            or pat.is_binary_view(dtype) or pat.is_fixed_size_binary(dtype)):
        return "bytes", False, 0
    raise TypeError(f"frame has no hashing/sorting kernel for type {dtype}")


def _check_array(arr, what):
    if not isinstance(arr, pa.Array):
        raise TypeError(f"{what} needs a single-chunk pyarrow.Array, got {type(arr).__name__}")


# ------------------------------------------------------------------------------------------------
# open-addressing table (slots hold the full 64-bit key and the code; code -1 = empty)

cdef struct Slot:
    uint64_t key
    int64_t code


cdef struct U64Map:
    Slot* slots
    uint64_t mask
    int64_t count


cdef int _map_init(U64Map* m, int64_t cap) noexcept nogil:
    cdef int64_t i
    m.slots = <Slot*>malloc(<size_t>cap * sizeof(Slot))
    if m.slots == NULL:
        return -1
    for i in range(cap):
        m.slots[i].code = -1
    m.mask = <uint64_t>(cap - 1)
    m.count = 0
    return 0


cdef int _map_grow(U64Map* m) noexcept nogil:
    """Double the capacity; slots are re-positioned by fmix64(key)."""
    cdef Slot* old = m.slots
    cdef int64_t old_cap = <int64_t>m.mask + 1
    cdef int64_t i
    cdef uint64_t pos
    if _map_init(m, old_cap * 2) != 0:
        m.slots = old
        m.mask = <uint64_t>(old_cap - 1)
        return -1
    for i in range(old_cap):
        if old[i].code >= 0:
            pos = fmix64(old[i].key) & m.mask
            while m.slots[pos].code >= 0:
                pos = (pos + 1) & m.mask
            m.slots[pos] = old[i]
            m.count += 1
    free(old)
    return 0


cdef inline int64_t _pow2_at_least(int64_t x) noexcept nogil:
    cdef int64_t c = 16
    while c < x:
        c <<= 1
    return c


# ------------------------------------------------------------------------------------------------
# factorize kernels. All return n_uniques (or -1 when out of memory) and the null code via *null_code.

cdef void _minmax_int(const int_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                      int_t* mn, int_t* mx, int64_t* n_valid) noexcept nogil:
    cdef int64_t i, cnt = 0
    cdef int_t lo = 0, hi = 0, v
    cdef bint seen = False
    if valid == NULL:
        if n > 0:
            lo = vals[off]
            hi = lo
        for i in range(n):
            v = vals[off + i]
            if v < lo:
                lo = v
            if v > hi:
                hi = v
        cnt = n
    else:
        for i in range(n):
            if get_bit(valid, off + i):
                v = vals[off + i]
                if not seen:
                    lo = v
                    hi = v
                    seen = True
                elif v < lo:
                    lo = v
                elif v > hi:
                    hi = v
                cnt += 1
    mn[0] = lo
    mx[0] = hi
    n_valid[0] = cnt


cdef inline int64_t _direct_code(int64_t* table, int64_t k, int64_t row, int64_t* first,
                                 int64_t* nu) noexcept nogil:
    """Code of key ``k`` in a direct table (-1 = unseen), numbered in order of first appearance."""
    cdef int64_t c = table[k]
    if c < 0:
        c = nu[0]
        table[k] = c
        first[c] = row
        nu[0] = c + 1
    return c


cdef int64_t _fact_int_direct(const int_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                              uint64_t base, uint64_t rng, int64_t* codes, int64_t* first,
                              int64_t* null_code) noexcept nogil:
    cdef int64_t* table = <int64_t*>malloc(<size_t>(rng + 1) * sizeof(int64_t))
    cdef int64_t i, c, nu = 0, nc = -1
    cdef uint64_t k
    if table == NULL:
        return -1
    for i in range(<int64_t>rng + 1):
        table[i] = -1
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            if nc < 0:
                nc = nu
                first[nu] = i
                nu += 1
            codes[i] = nc
            continue
        k = <uint64_t><int64_t>vals[off + i] - base
        codes[i] = _direct_code(table, <int64_t>k, i, first, &nu)
    free(table)
    null_code[0] = nc
    return nu


cdef inline uint64_t _key64(const int_t* vals, int64_t j, bint is_float) noexcept nogil:
    if is_float:
        if int_t is uint16_t or int_t is uint32_t or int_t is uint64_t:
            return float_canonical(vals[j])
        else:
            return <uint64_t><int64_t>vals[j]
    return <uint64_t><int64_t>vals[j]


cdef int64_t _fact_u64_hash(const int_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                            bint is_float, int64_t* codes, int64_t* first,
                            int64_t* null_code) noexcept nogil:
    cdef U64Map m
    cdef int64_t i, c, nu = 0, nc = -1
    cdef uint64_t key, pos
    if _map_init(&m, 1024) != 0:
        return -1
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            if nc < 0:
                nc = nu
                first[nu] = i
                nu += 1
            codes[i] = nc
            continue
        key = _key64(vals, off + i, is_float)
        pos = fmix64(key) & m.mask
        while True:
            c = m.slots[pos].code
            if c < 0:
                c = nu
                m.slots[pos].key = key
                m.slots[pos].code = c
                first[nu] = i
                nu += 1
                m.count += 1
                if m.count * 2 > <int64_t>m.mask:
                    if _map_grow(&m) != 0:
                        free(m.slots)
                        return -1
                break
            if m.slots[pos].key == key:
                break
            pos = (pos + 1) & m.mask
        codes[i] = c
    free(m.slots)
    null_code[0] = nc
    return nu


cdef struct StrSlot:
    uint64_t hash
    int64_t code            # -1 = empty
    int64_t at              # offset of the unique value's bytes in the arena
    int64_t length


cdef StrSlot* _str_slots(int64_t cap) noexcept nogil:
    cdef StrSlot* sl = <StrSlot*>malloc(<size_t>cap * sizeof(StrSlot))
    cdef int64_t i
    if sl != NULL:
        for i in range(cap):
            sl[i].code = -1
    return sl


cdef int64_t _fact_bytes(const BytesSrc* src, const uint8_t* valid, int64_t off, int64_t n,
                         int64_t* codes, int64_t* first, int64_t* null_code) noexcept nogil:
    """Byte keys: slots keep (hash, code, arena offset, length); the bytes of each unique value
    are copied into a compact arena, so confirming a hash match reads cache-resident memory
    instead of the (possibly huge) input buffer."""
    cdef StrSlot* sl
    cdef StrSlot* grown
    cdef int64_t i, k, c, nu = 0, nc = -1, ln, count = 0, cap = 1024
    cdef int64_t used = 0, arena_cap = 1 << 16
    cdef uint64_t h, pos, mask
    cdef const uint8_t* p
    cdef uint8_t* arena
    cdef uint8_t* arena2
    sl = _str_slots(cap)
    arena = <uint8_t*>malloc(<size_t>arena_cap)
    if sl == NULL or arena == NULL:
        free(sl)
        free(arena)
        return -1
    mask = <uint64_t>(cap - 1)
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            if nc < 0:
                nc = nu
                first[nu] = i
                nu += 1
            codes[i] = nc
            continue
        p = bytes_at(src, i, &ln)
        h = xxh64(p, ln, 0)
        pos = h & mask
        while True:
            c = sl[pos].code
            if c < 0:
                c = nu
                if used + ln > arena_cap:
                    while used + ln > arena_cap:
                        arena_cap *= 2
                    arena2 = <uint8_t*>realloc(arena, <size_t>arena_cap)
                    if arena2 == NULL:
                        free(sl)
                        free(arena)
                        return -1
                    arena = arena2
                if ln > 0:
                    memcpy(arena + used, p, <size_t>ln)
                sl[pos].hash = h
                sl[pos].code = c
                sl[pos].at = used
                sl[pos].length = ln
                used += ln
                first[nu] = i
                nu += 1
                count += 1
                if count * 2 > cap:
                    grown = _str_slots(cap * 2)
                    if grown == NULL:
                        free(sl)
                        free(arena)
                        return -1
                    mask = <uint64_t>(cap * 2 - 1)
                    for k in range(cap):
                        if sl[k].code >= 0:
                            pos = sl[k].hash & mask
                            while grown[pos].code >= 0:
                                pos = (pos + 1) & mask
                            grown[pos] = sl[k]
                    free(sl)
                    sl = grown
                    cap *= 2
                break
            if sl[pos].hash == h and sl[pos].length == ln and (
                    ln == 0 or memcmp(p, arena + sl[pos].at, <size_t>ln) == 0):
                break
            pos = (pos + 1) & mask
        codes[i] = c
    free(sl)
    free(arena)
    null_code[0] = nc
    return nu


# ------------------------------------------------------------------------------------------------
# short byte keys (every value at most 15 bytes: category labels, codes, ids). Each value becomes
# an exact 128-bit key -- its bytes zero-padded, the length in the top byte -- so a lookup compares
# two words instead of hashing and memcmp-ing bytes. Large inputs are split in two halves factorized
# on two threads, and the second half's uniques are merged into the first's table in their order of
# first appearance, which keeps the global first-appearance numbering.

cdef uint64_t _SHORT_NULL_HI = (<uint64_t>0xFF) << 56   # no real value has length 255


cdef struct SMap:
    uint64_t* slots      # (hash tag << 32) | (code + 1); 0 = empty
    uint64_t mask
    uint64_t* klo        # keys in code order (insertion order)
    uint64_t* khi
    int64_t* kfirst      # first row of each key
    int64_t nu
    int64_t kcap


cdef int _smap_init(SMap* m, int64_t cap) noexcept nogil:
    m.slots = <uint64_t*>calloc(<size_t>cap, sizeof(uint64_t))
    m.mask = <uint64_t>(cap - 1)
    m.kcap = cap // 2 + 1
    m.klo = <uint64_t*>malloc(<size_t>m.kcap * sizeof(uint64_t))
    m.khi = <uint64_t*>malloc(<size_t>m.kcap * sizeof(uint64_t))
    m.kfirst = <int64_t*>malloc(<size_t>m.kcap * sizeof(int64_t))
    m.nu = 0
    if m.slots == NULL or m.klo == NULL or m.khi == NULL or m.kfirst == NULL:
        _smap_free(m)
        return -1
    return 0


cdef void _smap_free(SMap* m) noexcept nogil:
    free(m.slots)
    free(m.klo)
    free(m.khi)
    free(m.kfirst)
    m.slots = NULL
    m.klo = NULL
    m.khi = NULL
    m.kfirst = NULL


cdef inline uint64_t _s_hash(uint64_t lo, uint64_t hi) noexcept nogil:
    return fmix64(lo ^ (hi * <uint64_t>0x9E3779B97F4A7C15))


cdef int _smap_grow(SMap* m) noexcept nogil:
    cdef int64_t cap = <int64_t>(m.mask + 1) * 2
    cdef int64_t c
    cdef uint64_t h, pos
    cdef uint64_t* slots = <uint64_t*>calloc(<size_t>cap, sizeof(uint64_t))
    cdef uint64_t* klo = <uint64_t*>realloc(m.klo, <size_t>(cap // 2 + 1) * sizeof(uint64_t))
    if klo != NULL:
        m.klo = klo
    cdef uint64_t* khi = <uint64_t*>realloc(m.khi, <size_t>(cap // 2 + 1) * sizeof(uint64_t))
    if khi != NULL:
        m.khi = khi
    cdef int64_t* kfirst = <int64_t*>realloc(m.kfirst, <size_t>(cap // 2 + 1) * sizeof(int64_t))
    if kfirst != NULL:
        m.kfirst = kfirst
    if slots == NULL or klo == NULL or khi == NULL or kfirst == NULL:
        free(slots)
        return -1
    m.kcap = cap // 2 + 1
    m.mask = <uint64_t>(cap - 1)
    for c in range(m.nu):
        h = _s_hash(m.klo[c], m.khi[c])
        pos = h & m.mask
        while slots[pos] != 0:
            pos = (pos + 1) & m.mask
        slots[pos] = ((h >> 32) << 32) | <uint64_t>(c + 1)
    free(m.slots)
    m.slots = slots
    return 0


cdef inline int64_t _smap_code(SMap* m, uint64_t lo, uint64_t hi, int64_t row) noexcept nogil:
    """Code of the key, inserted (with ``row`` as its first row) when new; -1 when out of memory."""
    cdef uint64_t h = _s_hash(lo, hi)
    cdef uint64_t tag = (h >> 32) << 32
    cdef uint64_t pos = h & m.mask
    cdef uint64_t s
    cdef int64_t c
    while True:
        s = m.slots[pos]
        if s == 0:
            break
        if (s & ~(<uint64_t>4294967295)) == tag:
            c = <int64_t>(s & <uint64_t>4294967295) - 1
            if m.klo[c] == lo and m.khi[c] == hi:
                return c
        pos = (pos + 1) & m.mask
    c = m.nu
    m.klo[c] = lo
    m.khi[c] = hi
    m.kfirst[c] = row
    m.nu += 1
    m.slots[pos] = tag | <uint64_t>(c + 1)
    if m.nu * 2 > <int64_t>m.mask:
        if _smap_grow(m) != 0:
            return -1
    return c


cdef inline void _short_key(const uint8_t* p, int64_t ln, const uint8_t* end, uint64_t* lo,
                            uint64_t* hi) noexcept nogil:
    cdef uint64_t a = 0, b = 0
    cdef uint8_t tmp[16]
    if p + 16 <= end:
        memcpy(&a, p, 8)
        memcpy(&b, p + 8, 8)
    else:
        memset(tmp, 0, 16)
        if ln > 0:
            memcpy(tmp, p, <size_t>ln)
        memcpy(&a, tmp, 8)
        memcpy(&b, tmp + 8, 8)
    a = FRAME_LE64(a)
    b = FRAME_LE64(b)
    if ln < 8:
        a = a & ((<uint64_t>1 << (8 * ln)) - 1) if ln > 0 else 0
        b = 0
    elif ln == 8:
        b = 0
    else:
        b &= (<uint64_t>1 << (8 * (ln - 8))) - 1
    lo[0] = a
    hi[0] = b | (<uint64_t>ln << 56)


cdef int64_t _max_len(const offset_t* offsets, int64_t off, int64_t n) noexcept nogil:
    cdef int64_t i, m = 0, ln
    for i in range(n):
        ln = <int64_t>offsets[off + i + 1] - <int64_t>offsets[off + i]
        if ln > m:
            m = ln
    return m


cdef int _short_rows(const offset_t* offsets, const uint8_t* data, const uint8_t* valid,
                     int64_t off, int64_t s, int64_t e, SMap* m, int64_t* codes) noexcept nogil:
    cdef int64_t i, c, o, ln
    cdef uint64_t lo, hi
    cdef const uint8_t* end = data + offsets[off + e]
    for i in range(s, e):
        if valid != NULL and not get_bit(valid, off + i):
            lo = 0
            hi = _SHORT_NULL_HI
        else:
            o = offsets[off + i]
            ln = <int64_t>offsets[off + i + 1] - o
            _short_key(data + o, ln, end, &lo, &hi)
        c = _smap_code(m, lo, hi, i)
        if c < 0:
            return -1
        codes[i] = c
    return 0


cdef int64_t _fact_short(const offset_t* offsets, const uint8_t* data, const uint8_t* valid,
                         int64_t off, int64_t n, int64_t* codes, int64_t* first,
                         int64_t* null_code, int nt) noexcept nogil:
    cdef SMap maps[2]
    cdef int parts = 2 if n >= (1 << 18) and nt >= 2 else 1
    cdef int t, failed = 0
    cdef int64_t mid = n // 2 if parts == 2 else n
    cdef int64_t i, u, c, nu
    cdef int64_t* remap
    for t in range(parts):
        if _smap_init(&maps[t], 1024) != 0:
            for i in range(t):
                _smap_free(&maps[i])
            return -1
    if parts == 1:
        failed = _short_rows(offsets, data, valid, off, 0, n, &maps[0], codes)
    else:
        for t in prange(2, num_threads=2, schedule="static"):
            if t == 0:
                if _short_rows(offsets, data, valid, off, 0, mid, &maps[0], codes) != 0:
                    failed += 1
            else:
                if _short_rows(offsets, data, valid, off, mid, n, &maps[1], codes) != 0:
                    failed += 1
    if failed == 0 and parts == 2:
        remap = <int64_t*>malloc(<size_t>(maps[1].nu + 1) * sizeof(int64_t))
        if remap == NULL:
            failed = 1
        else:
            for u in range(maps[1].nu):
                c = _smap_code(&maps[0], maps[1].klo[u], maps[1].khi[u], maps[1].kfirst[u])
                if c < 0:
                    failed = 1
                    break
                remap[u] = c
            if failed == 0:
                for i in prange(mid, n, num_threads=2, schedule="static"):
                    codes[i] = remap[codes[i]]
            free(remap)
    nu = -1
    if failed == 0:
        nu = maps[0].nu
        memcpy(first, maps[0].kfirst, <size_t>nu * sizeof(int64_t))
        null_code[0] = -1
        for u in range(nu):
            if maps[0].klo[u] == 0 and maps[0].khi[u] == _SHORT_NULL_HI:
                null_code[0] = u
                break
    for t in range(parts):
        _smap_free(&maps[t])
    return nu


cdef int64_t _fact_short_view(ArrayView v, int64_t* codes, int64_t* first,
                              int64_t* null_code, int nt) noexcept nogil:
    if v.layout == LAYOUT_VARBIN32:
        return _fact_short(<const int32_t*>v.offsets, v.data, v.validity, v.offset, v.length,
                           codes, first, null_code, nt)
    return _fact_short(<const int64_t*>v.offsets, v.data, v.validity, v.offset, v.length,
                       codes, first, null_code, nt)


cdef int64_t _short_max_len(ArrayView v) noexcept nogil:
    if v.layout == LAYOUT_VARBIN32:
        return _max_len(<const int32_t*>v.offsets, v.offset, v.length)
    return _max_len(<const int64_t*>v.offsets, v.offset, v.length)


cdef inline int64_t _smap_find(const SMap* m, uint64_t lo, uint64_t hi) noexcept nogil:
    """Code of the key, or -1 when the map does not hold it (read-only: safe from any thread)."""
    cdef uint64_t h = _s_hash(lo, hi)
    cdef uint64_t tag = (h >> 32) << 32
    cdef uint64_t pos = h & m.mask
    cdef uint64_t s
    cdef int64_t c
    while True:
        s = m.slots[pos]
        if s == 0:
            return -1
        if (s & ~(<uint64_t>4294967295)) == tag:
            c = <int64_t>(s & <uint64_t>4294967295) - 1
            if m.klo[c] == lo and m.khi[c] == hi:
                return c
        pos = (pos + 1) & m.mask


cdef void _probe_short_rows(const offset_t* offsets, const uint8_t* data, const uint8_t* valid,
                            int64_t off, int64_t n, const SMap* m, int64_t missing,
                            int64_t* codes, int nt) noexcept nogil:
    """Every probe row's code in ``m`` (``missing`` when absent); values longer than 15 bytes
    cannot be in a map of short keys."""
    cdef int64_t i, o, ln, c
    cdef uint64_t lo, hi
    cdef const uint8_t* end = data + offsets[off + n]
    for i in prange(n, schedule="static", num_threads=nt):
        if valid != NULL and not get_bit(valid, off + i):
            lo = 0
            hi = _SHORT_NULL_HI
        else:
            o = offsets[off + i]
            ln = <int64_t>offsets[off + i + 1] - o
            if ln > 15:
                codes[i] = missing
                continue
            _short_key(data + o, ln, end, &lo, &hi)
        c = _smap_find(m, lo, hi)
        codes[i] = c if c >= 0 else missing


def probe_short(build, probe, int64_t missing):
    """``(build_codes, n_build_keys, probe_codes)``: the build side factorized (first-appearance
    codes; null is a key) and every probe row coded by the build side's keys, ``missing`` for
    a value the build side does not have -- or None when the build side has a value longer
    than 15 bytes (the short-key table needs every build value short).

    For a join of a large side against a small one, this hashes the large side once into a
    read-only table of the small side's keys, in parallel, instead of factorizing both sides
    together (which grows the table with every key of the large side and merges two halves).
    Both arrays must be string or binary with int32 or int64 offsets.
    """
    cdef ArrayView bv, pv
    cdef SMap m
    cdef int64_t nb = len(build), n_probe = len(probe), nu = 0
    cdef int failed = 0
    cdef int nt = n_threads_for(n_probe)
    _check_array(build, "probe_short")
    _check_array(probe, "probe_short")
    bv = ArrayView(build)
    pv = ArrayView(probe)
    for layout, t in ((bv.layout, build.type), (pv.layout, probe.type)):
        if layout != LAYOUT_VARBIN32 and layout != LAYOUT_VARBIN64:
            raise TypeError(f"probe_short needs string/binary arrays, got {t}")
    if nb and _short_max_len(bv) > 15:
        return None
    build_codes = _empty_i64(nb)
    probe_codes = _empty_i64(n_probe)
    cdef int64_t[::1] bc = build_codes
    cdef int64_t[::1] pc = probe_codes
    if _smap_init(&m, 1024) != 0:
        raise MemoryError("probe_short: out of memory")
    with nogil:
        if nb:
            if bv.layout == LAYOUT_VARBIN32:
                failed = _short_rows(<const int32_t*>bv.offsets, bv.data, bv.validity, bv.offset,
                                     0, nb, &m, &bc[0])
            else:
                failed = _short_rows(<const int64_t*>bv.offsets, bv.data, bv.validity, bv.offset,
                                     0, nb, &m, &bc[0])
        if failed == 0 and n_probe:
            if pv.layout == LAYOUT_VARBIN32:
                _probe_short_rows(<const int32_t*>pv.offsets, pv.data, pv.validity, pv.offset,
                                  n_probe, &m, missing, &pc[0], nt)
            else:
                _probe_short_rows(<const int64_t*>pv.offsets, pv.data, pv.validity, pv.offset,
                                  n_probe, &m, missing, &pc[0], nt)
        nu = m.nu
        _smap_free(&m)
    if failed:
        raise MemoryError("probe_short: out of memory")
    return build_codes, nu, probe_codes


cdef int64_t _fact_bool(const uint8_t* data, const uint8_t* valid, int64_t off, int64_t n,
                        int64_t* codes, int64_t* first, int64_t* null_code) noexcept nogil:
    cdef int64_t table[3]
    cdef int64_t i, k, c, nu = 0
    table[0] = -1
    table[1] = -1
    table[2] = -1
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            k = 2
        else:
            k = get_bit(data, off + i)
        c = table[k]
        if c < 0:
            c = nu
            table[k] = c
            first[nu] = i
            nu += 1
        codes[i] = c
    null_code[0] = table[2]
    return nu


cdef int64_t _dict_codes(const int_t* idx, const uint8_t* valid, int64_t off, int64_t n,
                         const int64_t* dcodes, int64_t null_key, int64_t* table,
                         int64_t* codes, int64_t* first) noexcept nogil:
    """Codes of a dictionary array's rows in one pass: a row's key is the factorized code of its
    dictionary value (nulls, in the index or the value, are ``null_key``) and ``table`` (one slot
    per key, -1 = unseen) numbers the keys in order of first appearance. Returns n_uniques."""
    cdef int64_t i, k, c, nu = 0
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            k = null_key
        else:
            k = dcodes[<int64_t>idx[off + i]]
        codes[i] = _direct_code(table, k, i, first, &nu)
    return nu


cdef int64_t _fact_float_view(ArrayView v, int64_t* codes, int64_t* first,
                        int64_t* null_code) noexcept nogil:
    """Dispatch on the physical width of a FIXED ints / floats view."""
    cdef int w = v.byte_width
    if w == 2:
        return _fact_u64_hash(<const uint16_t*>v.data, v.validity, v.offset, v.length, True,
                              codes, first, null_code)
    if w == 4:
        return _fact_u64_hash(<const uint32_t*>v.data, v.validity, v.offset, v.length, True,
                              codes, first, null_code)
    return _fact_u64_hash(<const uint64_t*>v.data, v.validity, v.offset, v.length, True,
                          codes, first, null_code)


cdef int64_t _fact_int_any(const int_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                           int64_t* codes, int64_t* first, int64_t* null_code) noexcept nogil:
    """Direct table when the range is small, hash table otherwise."""
    cdef int_t mn, mx
    cdef int64_t n_valid
    cdef uint64_t rng, limit
    _minmax_int(vals, valid, off, n, &mn, &mx, &n_valid)
    rng = <uint64_t><int64_t>mx - <uint64_t><int64_t>mn
    limit = <uint64_t>(2 * n if 2 * n > _DIRECT_MIN else _DIRECT_MIN)
    if n_valid == 0:
        rng = 0
    if rng < limit:
        return _fact_int_direct(vals, valid, off, n, <uint64_t><int64_t>mn, rng, codes, first,
                                null_code)
    return _fact_u64_hash(vals, valid, off, n, False, codes, first, null_code)


cdef int64_t _fact_int_view(ArrayView v, bint signed, int64_t* codes, int64_t* first,
                            int64_t* null_code) noexcept nogil:
    cdef int w = v.byte_width
    cdef const uint8_t* d = v.data
    if signed:
        if w == 1:
            return _fact_int_any(<const int8_t*>d, v.validity, v.offset, v.length, codes, first, null_code)
        if w == 2:
            return _fact_int_any(<const int16_t*>d, v.validity, v.offset, v.length, codes, first, null_code)
        if w == 4:
            return _fact_int_any(<const int32_t*>d, v.validity, v.offset, v.length, codes, first, null_code)
        return _fact_int_any(<const int64_t*>d, v.validity, v.offset, v.length, codes, first, null_code)
    if w == 1:
        return _fact_int_any(<const uint8_t*>d, v.validity, v.offset, v.length, codes, first, null_code)
    if w == 2:
        return _fact_int_any(<const uint16_t*>d, v.validity, v.offset, v.length, codes, first, null_code)
    if w == 4:
        return _fact_int_any(<const uint32_t*>d, v.validity, v.offset, v.length, codes, first, null_code)
    return _fact_int_any(<const uint64_t*>d, v.validity, v.offset, v.length, codes, first, null_code)


cdef int64_t _dict_codes_view(ArrayView v, bint signed, const int64_t* dcodes, int64_t null_key,
                              int64_t* table, int64_t* codes, int64_t* first) noexcept nogil:
    cdef int w = v.byte_width
    cdef const uint8_t* d = v.data
    cdef const uint8_t* m = v.validity
    cdef int64_t o = v.offset, n = v.length
    if signed:
        if w == 1:
            return _dict_codes(<const int8_t*>d, m, o, n, dcodes, null_key, table, codes, first)
        if w == 2:
            return _dict_codes(<const int16_t*>d, m, o, n, dcodes, null_key, table, codes, first)
        if w == 4:
            return _dict_codes(<const int32_t*>d, m, o, n, dcodes, null_key, table, codes, first)
        return _dict_codes(<const int64_t*>d, m, o, n, dcodes, null_key, table, codes, first)
    if w == 1:
        return _dict_codes(<const uint8_t*>d, m, o, n, dcodes, null_key, table, codes, first)
    if w == 2:
        return _dict_codes(<const uint16_t*>d, m, o, n, dcodes, null_key, table, codes, first)
    if w == 4:
        return _dict_codes(<const uint32_t*>d, m, o, n, dcodes, null_key, table, codes, first)
    return _dict_codes(<const uint64_t*>d, m, o, n, dcodes, null_key, table, codes, first)


def _factorize_impl(arr):
    """``(codes, n_uniques, first_index, null_code)``; ``null_code`` is -1 without nulls."""
    cdef ArrayView v
    cdef BytesSrc src
    cdef int64_t n = len(arr)
    cdef int64_t nu = 0, nc = -1, null_key, dnu_c
    cdef int nt
    cdef int64_t[::1] codes_mv, first_mv, dcodes_mv, keys_mv
    cdef int64_t* cp
    cdef int64_t* fp
    cdef bint signed
    kind, signed_, width = classify(arr.type)
    signed = signed_
    codes = _empty_i64(n)
    first = _empty_i64(max(n, 1))
    if n == 0:
        return codes, 0, first[:0].copy(), -1
    codes_mv = codes
    first_mv = first
    cp = &codes_mv[0]
    fp = &first_mv[0]
    if kind == "null":
        codes[:] = 0
        return codes, 1, np.zeros(1, dtype=np.int64), 0
    if kind == "dict":
        dcodes, dnu, _dfirst, dnull = _factorize_impl(arr.dictionary)
        null_key = dnull if dnull >= 0 else dnu
        dnu_c = dnu
        if len(dcodes) == 0:
            dcodes = np.zeros(1, dtype=np.int64)
        dcodes_mv = dcodes
        v = ArrayView(arr)
        table = np.full(dnu_c + 1, -1, dtype=np.int64)
        keys_mv = table
        idx_signed = pat.is_signed_integer(v.type)
        signed = idx_signed
        with nogil:
            nu = _dict_codes_view(v, signed, &dcodes_mv[0], null_key, &keys_mv[0], cp, fp)
        nc = int(table[null_key])   # -1 when no row is null
        return codes, nu, first[:nu].copy(), nc
    v = ArrayView(arr)
    if kind == "bool":
        with nogil:
            nu = _fact_bool(v.data, v.validity, v.offset, n, cp, fp, &nc)
    elif kind == "int" or (kind == "decimal" and width <= 8):
        with nogil:
            nu = _fact_int_view(v, signed, cp, fp, &nc)
    elif kind == "float":
        with nogil:
            nu = _fact_float_view(v, cp, fp, &nc)
    elif (v.layout == LAYOUT_VARBIN32 or v.layout == LAYOUT_VARBIN64) and n < (1 << 31) \
            and _short_max_len(v) <= 15:
        nt = n_threads_for(n)
        with nogil:
            nu = _fact_short_view(v, cp, fp, &nc, nt)
    else:   # bytes, decimal128/256
        keep = bytes_source(v, &src)
        with nogil:
            nu = _fact_bytes(&src, v.validity, v.offset, n, cp, fp, &nc)
        del keep
    if nu < 0:
        raise MemoryError("factorize: out of memory")
    return codes, nu, first[:nu].copy(), nc


def factorize(arr):
    """Dense codes of ``arr`` in order of first appearance.

    Parameters
    ----------
    arr : pyarrow.Array
        Any supported type (see ``classify``), possibly sliced, with nulls; dictionary arrays are
        factorized by value.

    Returns
    -------
    codes : numpy.ndarray[int64]
        ``codes[i]`` in ``0 .. n_uniques - 1``; equal values share a code. Null is one value with
        its own code; -0.0 equals 0.0; all NaNs are one value.
    n_uniques : int
    first_index : numpy.ndarray[int64]
        ``first_index[c]`` is the first row with code ``c`` (increasing).
    """
    _check_array(arr, "factorize")
    codes, nu, first, _ = _factorize_impl(arr)
    return codes, nu, first


cdef int64_t _combine(int64_t* comb, const int64_t* codes, int64_t n, int64_t radix) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        comb[i] = comb[i] * radix + codes[i]
    return 0


# ------------------------------------------------------------------------------------------------
# radix-partitioned factorisation of many distinct 64-bit keys. One big hash table would miss the
# cache on nearly every row; instead the rows are scattered by the top bits of their hash into
# partitions small enough that each partition's table stays in L2, the partitions are factorized
# independently (in parallel), and local codes become global first-appearance codes by the rank
# of each unique's first row among all first rows (a bitmap with per-word prefix counts).

cdef int64_t _partition_bits(int64_t n) noexcept nogil:
    cdef int64_t b = 1
    while b < 14 and (n >> b) > 16384:
        b += 1
    return b


cdef int64_t _fact_partitioned(const int64_t* keys, int64_t n, int64_t* codes, int64_t* first,
                               int nt, int64_t* scratch) noexcept nogil:
    """``scratch`` holds ``3 * n`` int64 (partitioned keys / local codes, rows, unique first rows)."""
    cdef int64_t pbits = _partition_bits(n)
    cdef int64_t P = (<int64_t>1) << pbits
    cdef int T = 2 if nt >= 2 else 1
    cdef int64_t nw = (n + 63) // 64
    cdef int64_t i, p, t, s, e, pos, cnt, cap, lc, r, w, total, nu = 0
    cdef int64_t block = (n + T - 1) // T
    cdef int failed = 0
    cdef uint64_t h, slot, pmask
    cdef int shift = 64 - <int>pbits
    cdef int64_t* hist = <int64_t*>calloc(<size_t>(T * P + 1), sizeof(int64_t))
    cdef int64_t* pstart = <int64_t*>malloc(<size_t>(P + 1) * sizeof(int64_t))
    cdef int64_t* pnu = <int64_t*>calloc(<size_t>P, sizeof(int64_t))
    cdef int64_t* pk = scratch            # keys, then local codes
    cdef int64_t* prow = scratch + n
    cdef int64_t* ufirst = scratch + 2 * n
    cdef uint64_t* bits = <uint64_t*>calloc(<size_t>nw, sizeof(uint64_t))
    cdef int64_t* wprefix = <int64_t*>malloc(<size_t>(nw + 1) * sizeof(int64_t))
    cdef int64_t* cur
    cdef Slot* table
    if hist == NULL or pstart == NULL or pnu == NULL or bits == NULL or wprefix == NULL:
        failed = 1
    if failed == 0:
        # 1. histogram of partitions per thread block
        for t in prange(T, num_threads=T, schedule="static"):
            s = t * block
            e = min(n, s + block)
            for i in range(s, e):
                hist[t * P + <int64_t>(fmix64(<uint64_t>keys[i]) >> shift)] += 1
        # 2. partition-major offsets; inside a partition thread 0's rows come first (rows ascend)
        total = 0
        for p in range(P):
            pstart[p] = total
            for t in range(T):
                cnt = hist[t * P + p]
                hist[t * P + p] = total
                total += cnt
        pstart[P] = total
        for t in prange(T, num_threads=T, schedule="static"):
            s = t * block
            e = min(n, s + block)
            cur = hist + t * P
            for i in range(s, e):
                p = <int64_t>(fmix64(<uint64_t>keys[i]) >> shift)
                pos = cur[p]
                pk[pos] = keys[i]
                prow[pos] = i
                cur[p] = pos + 1
        # 3. factorize every partition with a cache-sized table; mark first rows
        for p in prange(P, num_threads=T, schedule="dynamic"):
            s = pstart[p]
            e = pstart[p + 1]
            cnt = e - s
            if cnt == 0:
                continue
            cap = 16
            while cap < 2 * cnt:
                cap = cap * 2
            table = <Slot*>malloc(<size_t>cap * sizeof(Slot))
            if table == NULL:
                failed += 1
                continue
            for i in range(cap):
                table[i].code = -1
            pmask = <uint64_t>(cap - 1)
            lc = 0
            for pos in range(s, e):
                h = fmix64(<uint64_t>pk[pos])
                slot = h & pmask
                while True:
                    if table[slot].code < 0:
                        table[slot].key = <uint64_t>pk[pos]
                        table[slot].code = lc
                        ufirst[s + lc] = prow[pos]
                        pk[pos] = lc
                        lc = lc + 1
                        break
                    if table[slot].key == <uint64_t>pk[pos]:
                        pk[pos] = table[slot].code
                        break
                    slot = (slot + 1) & pmask
            pnu[p] = lc
            free(table)
    if failed == 0:
        for p in range(P):
            for i in range(pstart[p], pstart[p] + pnu[p]):
                r = ufirst[i]
                bits[r >> 6] |= (<uint64_t>1) << (r & 63)
        wprefix[0] = 0
        for w in range(nw):
            wprefix[w + 1] = wprefix[w] + popcount64(bits[w])
        nu = wprefix[nw]
        # 4. global code of a unique = rank of its first row; scatter codes back to rows
        for p in prange(P, num_threads=T, schedule="dynamic"):
            s = pstart[p]
            for i in range(s, s + pnu[p]):
                r = ufirst[i]
                lc = wprefix[r >> 6] + popcount64(bits[r >> 6] & (((<uint64_t>1) << (r & 63)) - 1))
                first[lc] = r
                ufirst[i] = lc
            for pos in range(s, pstart[p + 1]):
                codes[prow[pos]] = ufirst[s + pk[pos]]
    free(hist)
    free(pstart)
    free(pnu)
    free(bits)
    free(wprefix)
    return -1 if failed else nu


cdef int64_t _refactor(int64_t* keys, int64_t n, int64_t card, int64_t* codes,
                       int64_t* first, int nt, int64_t* scratch) noexcept nogil:
    """Factorize non-negative int64 keys below ``card`` (direct or hashed)."""
    cdef int64_t nc
    cdef uint64_t limit = <uint64_t>(2 * n if 2 * n > _DIRECT_MIN else _DIRECT_MIN)
    if <uint64_t>card <= limit:
        return _fact_int_direct(<const int64_t*>keys, NULL, 0, n, 0, <uint64_t>card, codes,
                                first, &nc)
    if n >= _PARTITION_MIN_ROWS:
        return _fact_partitioned(keys, n, codes, first, nt, scratch)
    return _fact_u64_hash(<const int64_t*>keys, NULL, 0, n, False, codes, first, &nc)


def _refactor_into(int64_t[::1] comb, int64_t card, int64_t[::1] out, int64_t[::1] first, int nt):
    """Dense first-appearance codes of the combined keys into ``out`` (which may be ``comb``:
    every path reads a row's key before writing its code); returns their number."""
    cdef int64_t n = comb.shape[0], nu
    cdef int64_t limit = 2 * n if 2 * n > _DIRECT_MIN else _DIRECT_MIN
    cdef int64_t[::1] scratch_mv
    scratch = _empty_i64(3 * n if card > limit and n >= _PARTITION_MIN_ROWS else 1)
    scratch_mv = scratch
    with nogil:
        nu = _refactor(&comb[0], n, card, &out[0], &first[0], nt, &scratch_mv[0])
    if nu < 0:
        raise MemoryError("factorize_multi: out of memory")
    return nu


def factorize_multi(arrays):
    """Dense codes of the row tuples of several equal-length arrays, in first-appearance order.

    Each column is factorized (``factorize`` semantics: null is a value, NaNs equal, -0.0 == 0.0),
    the per-column codes are combined in mixed radix while the product of cardinalities fits in
    int64 (re-factorizing the partial combination when it would not), and the combination is
    re-factorized so codes follow first appearance.

    Returns ``(codes: int64[n], n_uniques, first_index: int64[n_uniques])``.
    """
    cdef int64_t[::1] comb_mv, c_mv
    cdef int64_t n, card, nu, k
    cdef int nt
    if not isinstance(arrays, (list, tuple)) or len(arrays) == 0:
        raise ValueError("factorize_multi needs a non-empty list of arrays")
    for a in arrays:
        _check_array(a, "factorize_multi")
    n = len(arrays[0])
    for a in arrays:
        if len(a) != n:
            raise ValueError(
                f"factorize_multi: arrays have different lengths ({n} and {len(a)})")
    if len(arrays) == 1:
        return factorize(arrays[0])
    if n == 0:
        return np.empty(0, dtype=np.int64), 0, np.empty(0, dtype=np.int64)
    nt = n_threads_for(n)
    comb, card, _ = factorize(arrays[0])   # a fresh array: combined in place below
    comb_mv = comb
    first = _empty_i64(n)
    for a in arrays[1:]:
        c, k, _ = factorize(a)
        if k > 1 and card > ((1 << 62) // k):
            card = _refactor_into(comb, card, comb, first, nt)
        c_mv = c
        with nogil:
            _combine(&comb_mv[0], &c_mv[0], n, k)
        card = card * k
        del c, c_mv   # back to the buffer cache before the next column is factorized
    nu = _refactor_into(comb, card, comb, first, nt)
    out = comb
    return out, nu, (first[:nu].copy() if 2 * nu < n else first[:nu])


# ------------------------------------------------------------------------------------------------
# hash_array

cdef inline uint64_t _null_hash(uint64_t seed) noexcept nogil:
    return xxh64(NULL, 0, seed ^ _NULL_SEED_XOR)


cdef void _hash_ints(const int_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                     uint64_t seed, uint64_t* out, int nt) noexcept nogil:
    cdef int64_t i
    cdef uint64_t nh = _null_hash(seed)
    for i in prange(n, schedule="static", num_threads=nt):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = nh
        else:
            out[i] = xxh64_u64(<uint64_t><int64_t>vals[off + i], seed)


cdef inline uint64_t _as_f64_bits(fbits_t u) noexcept nogil:
    if fbits_t is uint16_t:
        return float_canonical(<uint64_t>f16_to_f64_bits(u))
    elif fbits_t is uint32_t:
        return float_canonical(<uint64_t>f32_to_f64_bits(u))
    else:
        return float_canonical(u)


cdef void _hash_floats(const fbits_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                       uint64_t seed, uint64_t* out, int nt) noexcept nogil:
    cdef int64_t i
    cdef uint64_t nh = _null_hash(seed)
    for i in prange(n, schedule="static", num_threads=nt):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = nh
        else:
            out[i] = xxh64_u64(_as_f64_bits(vals[off + i]), seed)


cdef void _hash_bool(const uint8_t* data, const uint8_t* valid, int64_t off, int64_t n,
                     uint64_t seed, uint64_t* out) noexcept nogil:
    cdef uint64_t h0 = xxh64_u64(0, seed), h1 = xxh64_u64(1, seed), nh = _null_hash(seed)
    cdef int64_t i
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = nh
        else:
            out[i] = h1 if get_bit(data, off + i) else h0


cdef void _hash_small_decimal(const int_t* vals, const uint8_t* valid, int64_t off, int64_t n,
                              uint64_t seed, uint64_t* out) noexcept nogil:
    """decimal32 / decimal64: the unscaled value sign-extended to 16 bytes."""
    cdef int64_t i, x
    cdef uint64_t nh = _null_hash(seed)
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = nh
        else:
            x = <int64_t>vals[off + i]
            out[i] = xxh64_u128(<uint64_t>x, _U64_MASK if x < 0 else 0, seed)


cdef void _hash_bytes(const BytesSrc* src, const uint8_t* valid, int64_t off, int64_t n,
                      uint64_t seed, uint64_t* out, int nt) noexcept nogil:
    cdef int64_t i, ln
    cdef const uint8_t* p
    cdef uint64_t nh = _null_hash(seed)
    for i in prange(n, schedule="static", num_threads=nt):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = nh
        else:
            ln = 0    # assigned in the loop body, so Cython makes it thread-private
            p = bytes_at(src, i, &ln)
            out[i] = xxh64(p, ln, seed)


cdef void _gather_hash(const int_t* idx, const uint8_t* valid, int64_t off, int64_t n,
                       const uint64_t* dh, uint64_t nh, uint64_t* out) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = nh
        else:
            out[i] = dh[<int64_t>idx[off + i]]


cdef void _hash_int_view(ArrayView v, bint signed, uint64_t seed, uint64_t* out, int nt) noexcept nogil:
    cdef int w = v.byte_width
    cdef const uint8_t* d = v.data
    if signed:
        if w == 1:
            _hash_ints(<const int8_t*>d, v.validity, v.offset, v.length, seed, out, nt)
        elif w == 2:
            _hash_ints(<const int16_t*>d, v.validity, v.offset, v.length, seed, out, nt)
        elif w == 4:
            _hash_ints(<const int32_t*>d, v.validity, v.offset, v.length, seed, out, nt)
        else:
            _hash_ints(<const int64_t*>d, v.validity, v.offset, v.length, seed, out, nt)
    else:
        if w == 1:
            _hash_ints(<const uint8_t*>d, v.validity, v.offset, v.length, seed, out, nt)
        elif w == 2:
            _hash_ints(<const uint16_t*>d, v.validity, v.offset, v.length, seed, out, nt)
        elif w == 4:
            _hash_ints(<const uint32_t*>d, v.validity, v.offset, v.length, seed, out, nt)
        else:
            _hash_ints(<const uint64_t*>d, v.validity, v.offset, v.length, seed, out, nt)


cdef void _gather_view(ArrayView v, bint signed, const uint64_t* dh, uint64_t nh,
                       uint64_t* out) noexcept nogil:
    cdef int w = v.byte_width
    cdef const uint8_t* d = v.data
    if signed:
        if w == 1:
            _gather_hash(<const int8_t*>d, v.validity, v.offset, v.length, dh, nh, out)
        elif w == 2:
            _gather_hash(<const int16_t*>d, v.validity, v.offset, v.length, dh, nh, out)
        elif w == 4:
            _gather_hash(<const int32_t*>d, v.validity, v.offset, v.length, dh, nh, out)
        else:
            _gather_hash(<const int64_t*>d, v.validity, v.offset, v.length, dh, nh, out)
    else:
        if w == 1:
            _gather_hash(<const uint8_t*>d, v.validity, v.offset, v.length, dh, nh, out)
        elif w == 2:
            _gather_hash(<const uint16_t*>d, v.validity, v.offset, v.length, dh, nh, out)
        elif w == 4:
            _gather_hash(<const uint32_t*>d, v.validity, v.offset, v.length, dh, nh, out)
        else:
            _gather_hash(<const uint64_t*>d, v.validity, v.offset, v.length, dh, nh, out)


def null_hash(seed=0):
    """The hash ``hash_array`` gives a null under ``seed``."""
    cdef uint64_t s = (<uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF))
    return _null_hash(s)


def hash_array(arr, seed=0):
    """Stable 64-bit hash of every row (XXH64 of a canonical byte image; see the module docs).

    Parameters
    ----------
    arr : pyarrow.Array
        Any supported type, possibly sliced, with nulls.
    seed : int
        Taken modulo 2**64.

    Returns
    -------
    numpy.ndarray[uint64]
        Equal values hash equal across integer widths (int32 5 == int64 5 == uint8 5), float
        widths (float32 1.5 == float64 1.5), string layouts and slices. -0.0 hashes as 0.0, every
        NaN alike, every null as ``null_hash(seed)``.
    """
    cdef ArrayView v
    cdef BytesSrc src
    cdef uint64_t s
    cdef uint64_t[::1] out_mv, dh_mv
    cdef int64_t n
    cdef int nt, w
    cdef bint signed
    _check_array(arr, "hash_array")
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"hash_array: seed must be an int, got {type(seed).__name__}")
    s = <uint64_t>(int(seed) & 0xFFFFFFFFFFFFFFFF)
    kind, signed_, width = classify(arr.type)
    signed = signed_
    w = width
    n = len(arr)
    out = np.empty(n, dtype=np.uint64)
    if n == 0:
        return out
    out_mv = out
    nt = n_threads_for(n)
    if kind == "null":
        out[:] = _null_hash(s)
        return out
    if kind == "dict":
        dh = hash_array(arr.dictionary, seed)
        if len(dh) == 0:
            dh = np.zeros(1, dtype=np.uint64)
        dh_mv = dh
        v = ArrayView(arr)
        signed = pat.is_signed_integer(v.type)
        with nogil:
            _gather_view(v, signed, &dh_mv[0], _null_hash(s), &out_mv[0])
        return out
    v = ArrayView(arr)
    if kind == "int":
        with nogil:
            _hash_int_view(v, signed, s, &out_mv[0], nt)
    elif kind == "bool":
        with nogil:
            _hash_bool(v.data, v.validity, v.offset, n, s, &out_mv[0])
    elif kind == "float":
        with nogil:
            if w == 2:
                _hash_floats(<const uint16_t*>v.data, v.validity, v.offset, n, s, &out_mv[0], nt)
            elif w == 4:
                _hash_floats(<const uint32_t*>v.data, v.validity, v.offset, n, s, &out_mv[0], nt)
            else:
                _hash_floats(<const uint64_t*>v.data, v.validity, v.offset, n, s, &out_mv[0], nt)
    elif kind == "decimal" and width <= 8:
        with nogil:
            if w == 4:
                _hash_small_decimal(<const int32_t*>v.data, v.validity, v.offset, n, s, &out_mv[0])
            else:
                _hash_small_decimal(<const int64_t*>v.data, v.validity, v.offset, n, s, &out_mv[0])
    else:
        keep = bytes_source(v, &src)
        with nogil:
            _hash_bytes(&src, v.validity, v.offset, n, s, &out_mv[0], nt)
        del keep
    return out


# ------------------------------------------------------------------------------------------------
# ValueIndex: a read-only map value -> position built once from a vocabulary and probed by many
# batches (frame.ml encoders look every served batch up against the categories frozen at fit).
# factorize() would rebuild a table of the vocabulary on every call; this keeps it.
#
# Keys are stored by canonical image: "word" kinds (integers, temporal, bool, floats, decimal32/64)
# as one 64-bit word -- the value widened to int64/uint64, floats as canonical float64 bits
# (-0.0 == 0.0, one NaN) -- and byte kinds (strings, binary, fixed-size binary, decimal128/256)
# as their bytes, copied into an arena the index owns. Slots are (hash, position), linear probing,
# load <= 1/2.

cdef struct IdxSlot:
    uint64_t hash           # word kinds: the key image itself (one cache line per probe)
    int64_t pos             # -1 = empty


cdef struct VIndex:
    IdxSlot* slots
    uint64_t mask
    uint64_t* words         # word kinds, while building: key images by position
    uint8_t* arena          # byte kinds: key bytes, key p at arena[starts[p] : starts[p + 1]]
    int64_t* starts
    bint key_signed         # integer keys: signed type
    int32_t* direct         # integer keys in a small range: position by (image - base), -1 absent
    uint64_t base
    uint64_t span


cdef inline int64_t _vi_find_word(const VIndex* t, uint64_t w) noexcept nogil:
    cdef uint64_t pos = fmix64(w) & t.mask
    cdef int64_t p
    while True:
        p = t.slots[pos].pos
        if p < 0 or t.slots[pos].hash == w:
            return p
        pos = (pos + 1) & t.mask


cdef inline int64_t _vi_find_bytes(const VIndex* t, const uint8_t* s, int64_t ln,
                                   uint64_t h) noexcept nogil:
    cdef uint64_t pos = h & t.mask
    cdef int64_t p, st
    while True:
        p = t.slots[pos].pos
        if p < 0:
            return -1
        if t.slots[pos].hash == h:
            st = t.starts[p]
            if t.starts[p + 1] - st == ln and (ln == 0 or memcmp(s, t.arena + st, <size_t>ln) == 0):
                return p
        pos = (pos + 1) & t.mask


cdef inline void _vi_insert(VIndex* t, uint64_t h, uint64_t stored, int64_t p) noexcept nogil:
    """Place position ``p`` at the first free slot from ``h``; ``stored`` is the slot's hash
    field (the byte hash, or the key image of a word kind)."""
    cdef uint64_t pos = h & t.mask
    while t.slots[pos].pos >= 0:
        pos = (pos + 1) & t.mask
    t.slots[pos].hash = stored
    t.slots[pos].pos = p


cdef void _words_int(const int_t* vals, int64_t off, int64_t n, uint64_t* out) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        out[i] = <uint64_t><int64_t>vals[off + i]


cdef void _words_float(const fbits_t* vals, int64_t off, int64_t n, uint64_t* out) noexcept nogil:
    cdef int64_t i
    for i in range(n):
        out[i] = _as_f64_bits(vals[off + i])


cdef void _words_of(ArrayView v, int kind, bint signed, uint64_t* out) noexcept nogil:
    """Canonical 64-bit images of a word-kind view's values (null slots hold garbage).
    ``kind``: 0 integer / temporal / small decimal, 1 float, 2 bool."""
    cdef int w = v.byte_width
    cdef const uint8_t* d = v.data
    cdef int64_t i, o = v.offset, n = v.length
    if kind == 2:
        for i in range(n):
            out[i] = get_bit(d, o + i)
    elif kind == 1:
        if w == 2:
            _words_float(<const uint16_t*>d, o, n, out)
        elif w == 4:
            _words_float(<const uint32_t*>d, o, n, out)
        else:
            _words_float(<const uint64_t*>d, o, n, out)
    elif signed:
        if w == 1:
            _words_int(<const int8_t*>d, o, n, out)
        elif w == 2:
            _words_int(<const int16_t*>d, o, n, out)
        elif w == 4:
            _words_int(<const int32_t*>d, o, n, out)
        else:
            _words_int(<const int64_t*>d, o, n, out)
    else:
        if w == 1:
            _words_int(<const uint8_t*>d, o, n, out)
        elif w == 2:
            _words_int(<const uint16_t*>d, o, n, out)
        elif w == 4:
            _words_int(<const uint32_t*>d, o, n, out)
        else:
            _words_int(<const uint64_t*>d, o, n, out)


cdef void _vi_make_direct(VIndex* t, const uint8_t* valid, int64_t off, int64_t n,
                          bint signed) noexcept nogil:
    """Integer keys whose range is at most 4x their count (ids, codes, small enums) get a direct
    table, probed with one subtraction and one load instead of a hash and a search."""
    cdef int64_t i, j, n_valid = 0
    cdef uint64_t w, lo = 0, hi = 0, span
    cdef bint less, more
    for i in range(n):
        if valid != NULL and not get_bit(valid, off + i):
            continue
        w = t.words[i]
        if n_valid == 0:
            lo = w
            hi = w
        else:
            less = (<int64_t>w < <int64_t>lo) if signed else (w < lo)
            more = (<int64_t>w > <int64_t>hi) if signed else (w > hi)
            if less:
                lo = w
            if more:
                hi = w
        n_valid += 1
    if n_valid == 0:
        return
    span = hi - lo + 1           # as unsigned: exact for any lo <= hi (0 when it wraps: too big)
    if span == 0 or span > <uint64_t>(4 * n_valid if 4 * n_valid > 4096 else 4096):
        return
    t.direct = <int32_t*>malloc(<size_t>span * sizeof(int32_t))
    if t.direct == NULL:
        return                   # the hash table still answers
    for j in range(<int64_t>span):
        t.direct[j] = -1
    for i in range(n - 1, -1, -1):   # backwards: the first position of a repeated key wins
        if valid != NULL and not get_bit(valid, off + i):
            continue
        t.direct[t.words[i] - lo] = <int32_t>i
    t.base = lo
    t.span = span


cdef void _vi_probe_words(const VIndex* t, const uint64_t* words, const uint8_t* valid,
                          int64_t off, int64_t n, bint sign_differs, int64_t null_code,
                          int64_t missing, int64_t* out, int nt) noexcept nogil:
    cdef int64_t i, p
    cdef uint64_t w
    for i in prange(n, schedule="static", num_threads=nt):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = null_code
            continue
        w = words[i]
        # signed vs unsigned: equal images are equal values only when the top bit is clear
        if sign_differs and (w >> 63):
            out[i] = missing
            continue
        if t.direct != NULL:
            w = w - t.base
            p = t.direct[w] if w < t.span else -1
        else:
            p = _vi_find_word(t, w)
        out[i] = p if p >= 0 else missing


cdef void _vi_probe_bytes(const VIndex* t, const BytesSrc* src, const uint8_t* valid,
                          int64_t off, int64_t n, int64_t null_code, int64_t missing,
                          int64_t* out, int nt) noexcept nogil:
    cdef int64_t i, p, ln
    cdef const uint8_t* s
    for i in prange(n, schedule="static", num_threads=nt):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = null_code
            continue
        ln = 0        # assigned in the loop body, so Cython makes it thread-private
        s = bytes_at(src, i, &ln)
        p = _vi_find_bytes(t, s, ln, xxh64(s, ln, 0))
        out[i] = p if p >= 0 else missing


cdef void _vi_probe_short(const SMap* m, const offset_t* offsets, const uint8_t* data,
                          const uint8_t* valid, int64_t off, int64_t n, int64_t null_code,
                          int64_t missing, int64_t* out, int nt) noexcept nogil:
    """Short-key index: a value longer than 15 bytes cannot be a key; others are compared as
    exact 128-bit words (no hash of the bytes, no memcmp)."""
    cdef int64_t i, o, ln, c
    cdef uint64_t lo, hi
    cdef const uint8_t* end = data + offsets[off + n]
    for i in prange(n, schedule="static", num_threads=nt):
        if valid != NULL and not get_bit(valid, off + i):
            out[i] = null_code
            continue
        o = offsets[off + i]
        ln = <int64_t>offsets[off + i + 1] - o
        if ln > 15:
            out[i] = missing
            continue
        lo = 0        # assigned in the loop body, so Cython makes them thread-private
        hi = 0
        _short_key(data + o, ln, end, &lo, &hi)
        c = _smap_find(m, lo, hi)
        out[i] = m.kfirst[c] if c >= 0 else missing


def _value_class(dtype):
    """Which key types compare equal: all integer widths and signs together, all float widths,
    all string layouts, all binary layouts; temporal and decimal types only with themselves."""
    if pat.is_dictionary(dtype):
        return _value_class(dtype.value_type)
    if pat.is_integer(dtype):
        return "integer"
    if pat.is_floating(dtype):
        return "float"
    if pat.is_boolean(dtype):
        return "bool"
    if pat.is_null(dtype):
        return "null"
    if pat.is_string(dtype) or pat.is_large_string(dtype) or pat.is_string_view(dtype):
        return "string"
    if pat.is_binary(dtype) or pat.is_large_binary(dtype) or pat.is_binary_view(dtype):
        return "binary"
    classify(dtype)  # raises TypeError for unsupported types
    return str(dtype)


def _kind_code(kind, width):
    """ValueIndex storage: 0 integer-like word, 1 float word, 2 bool word, 3 bytes."""
    if kind == "float":
        return 1
    if kind == "bool":
        return 2
    if kind == "int" or (kind == "decimal" and width <= 8):
        return 0
    return 3


def _offsets_layout(arr):
    """View layouts as offsets layouts (the short-key index reads offsets)."""
    if pat.is_string_view(arr.type):
        return arr.cast(pa.large_string())
    if pat.is_binary_view(arr.type):
        return arr.cast(pa.large_binary())
    return arr


def _single_chunk(arr, what):
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks() if arr.num_chunks != 1 else arr.chunk(0)
    _check_array(arr, what)
    return arr


cdef class ValueIndex:
    """Position of each value in a fixed vocabulary, built once and probed many times.

    Parameters
    ----------
    keys : pyarrow.Array or ChunkedArray
        The vocabulary (any type ``factorize`` takes; a dictionary is taken by value). Equal keys
        keep the first position; a null key matches null values.

    Notes
    -----
    ``lookup`` compares values, not layouts: integers of every width and sign, floats of every
    width (-0.0 equals 0.0, NaN equals NaN), and strings of every layout match each other;
    temporal and decimal keys match only values of the same type. Other mixes raise
    ``TypeError``. Probing runs without the GIL, in parallel for large inputs.

    Examples
    --------
    >>> import pyarrow as pa
    >>> from frame._core.hashing import ValueIndex
    >>> index = ValueIndex(pa.array(["b", "a", None]))
    >>> index.lookup(pa.array(["a", "z", None, "b"])).tolist()
    [1, -1, 2, 0]
    """

    cdef VIndex t
    cdef SMap short             # kind 4: every key a string/binary of at most 15 bytes
    cdef int64_t n_keys
    cdef int64_t null_pos
    cdef int kind               # 0 integer-like word, 1 float word, 2 bool word, 3 bytes, 4 short
    cdef readonly object value_class
    cdef readonly object key_type

    def __cinit__(self):
        self.t.slots = NULL
        self.t.words = NULL
        self.t.arena = NULL
        self.t.starts = NULL
        self.t.direct = NULL
        self.short.slots = NULL
        self.short.klo = NULL
        self.short.khi = NULL
        self.short.kfirst = NULL

    def __dealloc__(self):
        _smap_free(&self.short)
        free(self.t.slots)
        free(self.t.words)
        free(self.t.arena)
        free(self.t.starts)
        free(self.t.direct)

    def __init__(self, keys):
        cdef ArrayView v
        cdef BytesSrc src
        cdef int64_t n, i, cap, total = 0, ln, p
        cdef const uint8_t* s
        cdef uint64_t h, w
        cdef bint signed
        cdef int64_t[::1] codes_mv
        cdef int failed = 0
        keys = _single_chunk(keys, "ValueIndex")
        if pat.is_dictionary(keys.type):
            keys = keys.dictionary_decode()
        keys = _offsets_layout(keys)
        self.value_class = _value_class(keys.type)
        self.key_type = keys.type
        kind, signed_, width = classify(keys.type)
        signed = signed_
        n = len(keys)
        self.n_keys = n
        self.null_pos = -1
        self.kind = _kind_code(kind, width)
        self.t.key_signed = signed
        cap = _pow2_at_least(2 * n + 2)
        self.t.slots = <IdxSlot*>malloc(<size_t>cap * sizeof(IdxSlot))
        if self.t.slots == NULL:
            raise MemoryError("ValueIndex: out of memory")
        for i in range(cap):
            self.t.slots[i].pos = -1
        self.t.mask = <uint64_t>(cap - 1)
        if kind == "null":
            if n:
                self.null_pos = 0
            return
        v = ArrayView(keys)
        if self.kind == 3 and (v.layout == LAYOUT_VARBIN32 or v.layout == LAYOUT_VARBIN64) \
                and _short_max_len(v) <= 15:
            self.kind = 4
            codes = _empty_i64(max(n, 1))
            codes_mv = codes
            if _smap_init(&self.short, _pow2_at_least(2 * n + 2)) != 0:
                raise MemoryError("ValueIndex: out of memory")
            with nogil:
                if v.layout == LAYOUT_VARBIN32:
                    failed = _short_rows(<const int32_t*>v.offsets, v.data, v.validity, v.offset,
                                         0, n, &self.short, &codes_mv[0])
                else:
                    failed = _short_rows(<const int64_t*>v.offsets, v.data, v.validity, v.offset,
                                         0, n, &self.short, &codes_mv[0])
                for i in range(n):
                    if v.validity != NULL and not get_bit(v.validity, v.offset + i):
                        self.null_pos = i
                        break
            if failed:
                raise MemoryError("ValueIndex: out of memory")
            return
        if self.kind == 3:
            keep = bytes_source(v, &src)
            for i in range(n):
                if v.validity == NULL or get_bit(v.validity, v.offset + i):
                    bytes_at(&src, i, &ln)
                    total += ln
            self.t.starts = <int64_t*>malloc(<size_t>(n + 1) * sizeof(int64_t))
            self.t.arena = <uint8_t*>malloc(<size_t>(total if total > 0 else 1))
            if self.t.starts == NULL or self.t.arena == NULL:
                raise MemoryError("ValueIndex: out of memory")
            total = 0
            with nogil:
                for i in range(n):
                    self.t.starts[i] = total
                    if v.validity != NULL and not get_bit(v.validity, v.offset + i):
                        if self.null_pos < 0:
                            self.null_pos = i
                        continue
                    s = bytes_at(&src, i, &ln)
                    h = xxh64(s, ln, 0)
                    if _vi_find_bytes(&self.t, s, ln, h) >= 0:
                        continue        # a repeated key keeps its first position
                    if ln > 0:
                        memcpy(self.t.arena + total, s, <size_t>ln)
                    total += ln
                    self.t.starts[i + 1] = total
                    _vi_insert(&self.t, h, h, i)
                self.t.starts[n] = total
            del keep
            return
        self.t.words = <uint64_t*>malloc(<size_t>(n if n > 0 else 1) * sizeof(uint64_t))
        if self.t.words == NULL:
            raise MemoryError("ValueIndex: out of memory")
        with nogil:
            _words_of(v, self.kind, signed, self.t.words)
            for i in range(n):
                if v.validity != NULL and not get_bit(v.validity, v.offset + i):
                    if self.null_pos < 0:
                        self.null_pos = i
                    continue
                w = self.t.words[i]
                if _vi_find_word(&self.t, w) >= 0:
                    continue
                _vi_insert(&self.t, fmix64(w), w, i)
            if self.kind == 0 and n < (1 << 30):
                _vi_make_direct(&self.t, v.validity, v.offset, n, signed)
        free(self.t.words)
        self.t.words = NULL

    def __len__(self):
        return self.n_keys

    @property
    def null_position(self):
        """Position of the first null key, or -1."""
        return self.null_pos

    def lookup(self, values, int64_t missing=-1):
        """Position of every value in the vocabulary, ``missing`` where it is absent.

        Parameters
        ----------
        values : pyarrow.Array or ChunkedArray
            Values of a type that compares with the keys (see the class notes); dictionaries
            are looked up through their dictionary.
        missing : int
            The result for a value that is not a key (and for null when no key is null).

        Returns
        -------
        numpy.ndarray[int64]
        """
        cdef ArrayView v
        cdef BytesSrc src
        cdef int64_t n, null_code
        cdef int nt
        cdef bint sign_differs = False, probe_signed
        cdef int64_t[::1] out_mv
        cdef uint64_t[::1] words_mv
        values = _single_chunk(values, "ValueIndex.lookup")
        vclass = _value_class(values.type)
        if vclass != self.value_class and "null" not in (vclass, self.value_class):
            raise TypeError(
                f"ValueIndex: keys are {self.key_type}, values are {values.type}; "
                "cast the values to the key type"
            )
        n = len(values)
        null_code = self.null_pos if self.null_pos >= 0 else missing
        if pat.is_dictionary(values.type):
            in_dict = self.lookup(values.dictionary, missing)
            if len(in_dict) == 0:
                return np.full(n, null_code, dtype=np.int64)
            out = in_dict[values.indices.fill_null(0).to_numpy(zero_copy_only=False)]
            if values.null_count:
                out[values.is_null().to_numpy(zero_copy_only=False)] = null_code
            return out
        out = np.empty(n, dtype=np.int64)
        if n == 0:
            return out
        if vclass == "null" or self.value_class == "null":
            nulls = values.is_null().to_numpy(zero_copy_only=False)
            out[:] = missing
            out[nulls] = null_code
            return out
        out_mv = out
        nt = n_threads_for(n)
        values = _offsets_layout(values)
        v = ArrayView(values)
        if self.kind == 4:
            with nogil:
                if v.layout == LAYOUT_VARBIN32:
                    _vi_probe_short(&self.short, <const int32_t*>v.offsets, v.data, v.validity,
                                    v.offset, n, null_code, missing, &out_mv[0], nt)
                else:
                    _vi_probe_short(&self.short, <const int64_t*>v.offsets, v.data, v.validity,
                                    v.offset, n, null_code, missing, &out_mv[0], nt)
            return out
        if self.kind == 3:
            keep = bytes_source(v, &src)
            with nogil:
                _vi_probe_bytes(&self.t, &src, v.validity, v.offset, n, null_code, missing,
                                &out_mv[0], nt)
            del keep
            return out
        if self.kind == 0:
            sign_differs = pat.is_signed_integer(values.type) != self.t.key_signed \
                and pat.is_integer(values.type)
        words = np.empty(n, dtype=np.uint64)
        words_mv = words
        probe_signed = classify(values.type)[1]
        with nogil:
            _words_of(v, self.kind, probe_signed, &words_mv[0])
            _vi_probe_words(&self.t, &words_mv[0], v.validity, v.offset, n, sign_differs,
                            null_code, missing, &out_mv[0], nt)
        return out
