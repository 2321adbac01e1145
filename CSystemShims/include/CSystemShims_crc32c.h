#ifndef CSYSTEMSHIMS_CRC32C_H
#define CSYSTEMSHIMS_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of record batch v2.
 * `crc` is the running value: start with 0 and feed the previous result to continue over split data.
 * The returned value is final (already inverted), so crc32c(crc32c(0, a), b) == crc32c(0, a ++ b).
 */

/* Hardware (SSE4.2) path when the CPU has it, chosen once at run time; portable tables otherwise. */
uint32_t CSystemShims_crc32c(uint32_t crc, const void *data, size_t length);

/* The portable slicing-by-8 path, exposed so tests can compare both paths. */
uint32_t CSystemShims_crc32c_software(uint32_t crc, const void *data, size_t length);

/* 1 when CSystemShims_crc32c uses the SSE4.2 instruction, 0 otherwise. */
int CSystemShims_crc32c_is_hardware(void);

#endif
