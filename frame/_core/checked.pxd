# Overflow-checked 64-bit integer arithmetic (checked.h): True when the result does not fit.
from libc.stdint cimport int64_t, uint64_t


cdef extern from "checked.h" nogil:
    bint add_i64 "frame_add_i64"(int64_t a, int64_t b, int64_t* out) noexcept
    bint sub_i64 "frame_sub_i64"(int64_t a, int64_t b, int64_t* out) noexcept
    bint mul_i64 "frame_mul_i64"(int64_t a, int64_t b, int64_t* out) noexcept
    bint add_u64 "frame_add_u64"(uint64_t a, uint64_t b, uint64_t* out) noexcept
    bint mul_u64 "frame_mul_u64"(uint64_t a, uint64_t b, uint64_t* out) noexcept
