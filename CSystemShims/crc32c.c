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

/* The target attribute lets this one function use SSE4.2 without compiling the target for it. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t length) {
    const unsigned char *p = data;
    uint64_t c = ~crc;
    while (length && ((uintptr_t)p & 7)) {
        c = _mm_crc32_u8((uint32_t)c, *p++);
        length--;
    }
    /* Three independent streams would hide the instruction's 3-cycle latency; one stream already
       runs near 10 GB/s here, far above what a record batch needs, so keep it simple. */
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
