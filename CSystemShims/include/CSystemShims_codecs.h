#ifndef CSYSTEMSHIMS_CODECS_H
#define CSYSTEMSHIMS_CODECS_H

#include <stddef.h>

/*
 * Record batch compression codecs: gzip (zlib), snappy (raw + xerial framing), lz4 (frame format) and
 * zstd, numbered as in Kafka's batch attributes (bits 0-2).
 *
 * Why a shim: lz4frame.h, zstd.h, zlib.h and snappy-c.h expose macros, inline functions and structs whose
 * layout Swift should not depend on (z_stream, LZ4F_preferences_t), and bounded streaming decompression
 * needs a small state machine per library. Only plain types cross this header; the library headers are
 * included by codecs.c alone.
 *
 * Compression is one shot (the input is a whole batch's records). Decompression is incremental so the
 * caller need not know the decompressed size: create a decoder over the complete compressed input with an
 * output bound, then call CSystemShims_decoder_read with more output space until it returns
 * CSYSTEMSHIMS_CODEC_OK. The decoder never writes more than the bound in total and reports
 * CSYSTEMSHIMS_CODEC_OUTPUT_BOUND_EXCEEDED when the stream holds more, so a zip bomb costs at most the
 * bound of output memory.
 */

enum {
    CSYSTEMSHIMS_CODEC_GZIP = 1,
    CSYSTEMSHIMS_CODEC_SNAPPY = 2,
    CSYSTEMSHIMS_CODEC_LZ4 = 3,
    CSYSTEMSHIMS_CODEC_ZSTD = 4,
};

/* Status codes. Negative values are errors; a decoder that returned one keeps returning it. */
enum {
    CSYSTEMSHIMS_CODEC_OK = 0,                     /* done: all input consumed, all output written */
    CSYSTEMSHIMS_CODEC_NEED_OUTPUT = 1,            /* progress made or none possible: call again with more space */
    CSYSTEMSHIMS_CODEC_CORRUPT = -1,               /* malformed or truncated compressed input */
    CSYSTEMSHIMS_CODEC_OUTPUT_BOUND_EXCEEDED = -2, /* the stream decompresses to more than the bound */
    CSYSTEMSHIMS_CODEC_OUT_OF_MEMORY = -3,         /* the library could not allocate its working state */
    CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE = -4,       /* the library failed on valid input (a bug or a limit) */
    CSYSTEMSHIMS_CODEC_UNSUPPORTED = -5,           /* unknown codec id, or an input too large to compress */
};

/*
 * Largest output CSystemShims_compress can produce for `input_length` bytes, or 0 when the codec is
 * unknown or the input is too large for it.
 */
size_t CSystemShims_compress_bound(int codec, size_t input_length);

/*
 * Compresses `input` into `output` (`capacity` >= CSystemShims_compress_bound) and stores the size in
 * `*written`. `level` 0 means the codec's default (gzip 6, lz4 fast, zstd 3; snappy has no levels).
 * Output formats are those Kafka clients write: gzip members (RFC 1952), snappy in the xerial framing the
 * Java client uses (32 KiB blocks), lz4 frames with independent 64 KiB blocks and no content size or
 * checksums (as Kafka's KafkaLZ4BlockOutputStream), and zstd frames.
 */
int CSystemShims_compress(int codec, int level, const void *input, size_t input_length, void *output,
                          size_t capacity, size_t *written);

typedef struct CSystemShims_decoder CSystemShims_decoder;

/*
 * A decoder over the complete compressed `input`, which must stay valid and unchanged until the decoder is
 * freed. `max_output` bounds the total decompressed size. Returns NULL when out of memory or when the codec
 * is unknown (check the codec first). Accepted inputs: gzip or zlib streams (concatenated members too),
 * snappy raw or xerial-framed (told apart by the xerial magic), lz4 frames and zstd frames (concatenated
 * frames too).
 */
CSystemShims_decoder *CSystemShims_decoder_create(int codec, const void *input, size_t input_length,
                                                  size_t max_output);

/*
 * Decompresses into `output` (up to `capacity` bytes) and stores the bytes written in `*written`.
 * Returns OK when the stream is complete, NEED_OUTPUT when it wants more space, or a negative error.
 */
int CSystemShims_decoder_read(CSystemShims_decoder *decoder, void *output, size_t capacity, size_t *written);

/* The decompressed size when the stream declares it (snappy, zstd with a content size), else 0. A hint for
   the first allocation only: it comes from the input and is checked against the data while decoding. */
size_t CSystemShims_decoder_size_hint(const CSystemShims_decoder *decoder);

void CSystemShims_decoder_free(CSystemShims_decoder *decoder);

#endif
