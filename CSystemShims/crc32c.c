/* CRC-32C: SSE4.2 `crc32` instruction when available, slicing-by-8 tables otherwise. */
#include "CSystemShims_crc32c.h"

#include <pthread.h>
#include <string.h>

#define POLY 0x82F63B78u

static uint32_t table[8][256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void build_tables(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ POLY : c >> 1;
        table[0][n] = c;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = table[0][n];
        for (int t = 1; t < 8; t++) {
            c = table[0][c & 0xff] ^ (c >> 8);
            table[t][n] = c;
        }
    }
}

uint32_t CSystemShims_crc32c_software(uint32_t crc, const void *data, size_t length) {
    pthread_once(&table_once, build_tables);
    const unsigned char *p = data;
    uint32_t c = ~crc;
    while (length && ((uintptr_t)p & 7)) {
        c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
        length--;
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8); /* little-endian hosts only, as every Linux target Swift supports */
        word ^= c;
        c = table[7][word & 0xff] ^ table[6][(word >> 8) & 0xff] ^ table[5][(word >> 16) & 0xff] ^
            table[4][(word >> 24) & 0xff] ^ table[3][(word >> 32) & 0xff] ^ table[2][(word >> 40) & 0xff] ^
            table[1][(word >> 48) & 0xff] ^ table[0][word >> 56];
        p += 8;
        length -= 8;
    }
    while (length--) c = table[0][(c ^ *p++) & 0xff] ^ (c >> 8);
    return ~c;
}

#if defined(__x86_64__)
#include <nmmintrin.h>

/* The register before any inversion is linear over GF(2): running it over a block B from state x gives
   M(x) ^ crc_B(0), where M advances a state over len(B) zero bytes. So three blocks checksummed from 0
   in parallel combine as M(M(a) ^ b) ^ c. shift_table holds M for STREAM bytes, one table per state byte. */
#define STREAM 2048
static uint32_t shift_table[4][256];
static pthread_once_t shift_once = PTHREAD_ONCE_INIT;

static void build_shift_tables(void) {
    pthread_once(&table_once, build_tables);
    uint32_t basis[32];
    for (int bit = 0; bit < 32; bit++) {
        uint32_t c = 1u << bit;
        for (int n = 0; n < STREAM; n++) c = table[0][c & 0xff] ^ (c >> 8);
        basis[bit] = c;
    }
    for (int k = 0; k < 4; k++) {
        for (uint32_t b = 0; b < 256; b++) {
            uint32_t v = 0;
            for (int bit = 0; bit < 8; bit++)
                if ((b >> bit) & 1) v ^= basis[8 * k + bit];
            shift_table[k][b] = v;
        }
    }
}

static uint32_t shift_stream(uint32_t c) {
    return shift_table[0][c & 0xff] ^ shift_table[1][(c >> 8) & 0xff] ^ shift_table[2][(c >> 16) & 0xff] ^
           shift_table[3][c >> 24];
}

/* The target attribute lets this one function use SSE4.2 without compiling the target for it. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = data;
    uint64_t c = ~crc;
    while (length && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    /* The instruction has a 3-cycle latency but issues every cycle: run three independent streams
       over adjacent STREAM-byte blocks, then fold them together with the zero-shift tables. */
    if (length >= 3 * STREAM) {
        pthread_once(&shift_once, build_shift_tables);
        while (length >= 3 * STREAM) {
            uint64_t c1 = 0, c2 = 0;
            for (size_t i = 0; i < STREAM; i += 8) {
                uint64_t w0, w1, w2;
                memcpy(&w0, p + i, 8);
                memcpy(&w1, p + STREAM + i, 8);
                memcpy(&w2, p + 2 * STREAM + i, 8);
                c = _mm_crc32_u64(c, w0);
                c1 = _mm_crc32_u64(c1, w1);
                c2 = _mm_crc32_u64(c2, w2);
            }
            c = shift_stream(shift_stream((uint32_t)c) ^ (uint32_t)c1) ^ (uint32_t)c2;
            p += 3 * STREAM;
            length -= 3 * STREAM;
        }
    }
    while (length >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = _mm_crc32_u64(c, word);
        p += 8;
        length -= 8;
    }
    while (length--) c = _mm_crc32_u8((uint32_t)c, *p++);
    return ~(uint32_t)c;
}

static int has_sse42(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}
#else
static int has_sse42(void) { return 0; }
static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    return CSystemShims_crc32c_software(crc, data, length);
}
#endif

static int hardware;
static pthread_once_t hardware_once = PTHREAD_ONCE_INIT;
static void detect_hardware(void) { hardware = has_sse42(); }

int CSystemShims_crc32c_is_hardware(void) {
    pthread_once(&hardware_once, detect_hardware);
    return hardware;
}

uint32_t CSystemShims_crc32c(uint32_t crc, const void *data, size_t length) {
    if (CSystemShims_crc32c_is_hardware()) return crc32c_sse42(crc, data, length);
    return CSystemShims_crc32c_software(crc, data, length);
}
