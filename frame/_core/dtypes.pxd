# Fused types shared by the kernels (STYLE 3.4: fused types live here only).
#
# * ``numeric_t``: logical numeric types, for aggregations.
# * ``width_t``: *physical* value widths for data movement (take/filter move 1/2/4/8/16/32-byte
#   values regardless of logical type: int32, float32, date32 and decimal32 share one path).
#   16/32-byte values (decimal128/256, month_day_nano, string_view views, fixed_size_binary(16))
#   are moved as plain structs, so a copy is two or four 8-byte moves.
# * ``offset_t``: offsets of string/binary (int32) and large_string/large_binary (int64).
from libc.stdint cimport (
    int8_t, int16_t, int32_t, int64_t, uint8_t, uint16_t, uint32_t, uint64_t,
)


ctypedef struct bytes16_t:
    uint64_t w0
    uint64_t w1


ctypedef struct bytes32_t:
    uint64_t w0
    uint64_t w1
    uint64_t w2
    uint64_t w3


ctypedef fused numeric_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t
    float
    double


# Integers of every physical width (signed and unsigned): sort and hash keys.
ctypedef fused int_t:
    int8_t
    int16_t
    int32_t
    int64_t
    uint8_t
    uint16_t
    uint32_t
    uint64_t


# Raw IEEE-754 storage of float16 / float32 / float64 (keys are handled through their bits).
ctypedef fused fbits_t:
    uint16_t
    uint32_t
    uint64_t


ctypedef fused width_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t
    bytes16_t
    bytes32_t


ctypedef fused offset_t:
    int32_t
    int64_t
