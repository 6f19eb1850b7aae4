/* Unsigned LEB128 varints for the trace readers' C accelerators (_v1.c, _order_v2.c).
 *
 * Go's encoding/binary.Uvarint rule, as gotrace/trace/varint.py states it for the
 * Python side: a varint that needs more than 64 bits (more than 10 bytes, or a
 * 10th byte above 1) or that the input cuts is rejected. Decoding byte by byte
 * with the check (varint_read), or validating a whole buffer once (varints_valid)
 * and then decoding it without checks (varint_next) in a hot loop.
 */
#ifndef GOTRACE_VARINT_H
#define GOTRACE_VARINT_H

#include <stddef.h>
#include <stdint.h>

/* The varint at d[*pos], before end: 0 and *pos past it, or -1 if cut or too wide. */
static inline int varint_read(const uint8_t *d, size_t end, size_t *pos, uint64_t *out) {
    uint64_t x = 0;
    unsigned shift = 0;
    size_t p = *pos;
    for (int i = 0; i < 10; i++) {
        if (p >= end) return -1;
        uint8_t b = d[p++];
        if (b < 0x80) {
            if (i == 9 && b > 1) return -1;
            *pos = p;
            *out = x | ((uint64_t)b << shift);
            return 0;
        }
        x |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
    }
    return -1;
}

/* Whether p[0:n] is nothing but valid varints (varint.uvarints would accept it). */
static inline int varints_valid(const uint8_t *p, ptrdiff_t n) {
    int run = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        uint8_t b = p[i];
        if (b & 0x80) {
            if (++run >= 10) return 0;
        } else {
            if (run == 9 && b > 1) return 0;
            run = 0;
        }
    }
    return run == 0;
}

/* The varint at *pp, in a buffer varints_valid accepted; *pp moves past it. */
static inline uint64_t varint_next(const uint8_t **pp) {
    const uint8_t *p = *pp;
    uint64_t x = 0;
    unsigned shift = 0;
    for (;;) {
        uint8_t b = *p++;
        x |= (uint64_t)(b & 0x7F) << shift;
        if (b < 0x80) break;
        shift += 7;
    }
    *pp = p;
    return x;
}

#endif
