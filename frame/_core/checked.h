/* Overflow-checked 64-bit integer arithmetic shared by the group-by and window kernels: each
   returns nonzero when the exact result does not fit, so callers raise instead of wrapping. */
#ifndef FRAME_CHECKED_H
#define FRAME_CHECKED_H
#include <stdint.h>

static inline int frame_add_i64(int64_t a, int64_t b, int64_t* out) {
    return __builtin_add_overflow(a, b, out);
}
static inline int frame_sub_i64(int64_t a, int64_t b, int64_t* out) {
    return __builtin_sub_overflow(a, b, out);
}
static inline int frame_mul_i64(int64_t a, int64_t b, int64_t* out) {
    return __builtin_mul_overflow(a, b, out);
}
static inline int frame_add_u64(uint64_t a, uint64_t b, uint64_t* out) {
    return __builtin_add_overflow(a, b, out);
}
static inline int frame_mul_u64(uint64_t a, uint64_t b, uint64_t* out) {
    return __builtin_mul_overflow(a, b, out);
}

#endif
