/* Record batch codecs over zlib, snappy-c, lz4frame and zstd; see CSystemShims_codecs.h for the contract. */
#include "CSystemShims_codecs.h"

#include <limits.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

/* The xerial snappy-java stream header: marker, "SNAPPY", NUL, then big-endian version and compatible
   version (1 and 1). Kafka's Java client writes it (SnappyOutputStream, 32 KiB blocks). librdkafka writes
   raw snappy but reads both, as does the Java client, so both encodings are valid in a batch. */
static const unsigned char xerial_magic[8] = {0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0};
enum { XERIAL_HEADER_SIZE = 16, XERIAL_BLOCK_SIZE = 32 * 1024 };

static void put_be32(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static uint32_t get_be32(const unsigned char *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Kafka's lz4 frame settings: independent 64 KiB blocks, no block/content checksum, no content size. */
static LZ4F_preferences_t lz4_preferences(int level) {
    LZ4F_preferences_t prefs;
    memset(&prefs, 0, sizeof prefs);
    prefs.frameInfo.blockSizeID = LZ4F_max64KB;
    prefs.frameInfo.blockMode = LZ4F_blockIndependent;
    prefs.compressionLevel = level;
    return prefs;
}

/* ---------------------------------------------------------------------------------------------------- */
/* Compression */

size_t CSystemShims_compress_bound(int codec, size_t n) {
    switch (codec) {
    case CSYSTEMSHIMS_CODEC_GZIP: {
        /* deflateBound's stored-block worst case plus the gzip header and trailer, computed in size_t
           (deflateBound takes uLong, which is 64-bit on every Linux target). */
        if (n > SIZE_MAX / 2) return 0;
        return n + (n >> 12) + (n >> 14) + (n >> 25) + 13 - 6 + 18 + 5 * (n / 16383 + 1);
    }
    case CSYSTEMSHIMS_CODEC_SNAPPY: {
        size_t blocks = n / XERIAL_BLOCK_SIZE + 1;
        size_t per_block = 4 + snappy_max_compressed_length(XERIAL_BLOCK_SIZE);
        if (blocks > (SIZE_MAX - XERIAL_HEADER_SIZE) / per_block) return 0;
        return XERIAL_HEADER_SIZE + blocks * per_block;
    }
    case CSYSTEMSHIMS_CODEC_LZ4: {
        LZ4F_preferences_t prefs = lz4_preferences(0);
        size_t bound = LZ4F_compressFrameBound(n, &prefs);
        return bound < n ? 0 : bound;
    }
    case CSYSTEMSHIMS_CODEC_ZSTD: {
        size_t bound = ZSTD_compressBound(n);
        return ZSTD_isError(bound) ? 0 : bound;
    }
    default:
        return 0;
    }
}

static int gzip_compress(int level, const unsigned char *in, size_t n, unsigned char *out, size_t cap,
                         size_t *written) {
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int rc = deflateInit2(&zs, level == 0 ? Z_DEFAULT_COMPRESSION : level, Z_DEFLATED, 15 + 16, 8,
                          Z_DEFAULT_STRATEGY);
    if (rc == Z_MEM_ERROR) return CSYSTEMSHIMS_CODEC_OUT_OF_MEMORY;
    if (rc != Z_OK) return CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
    /* avail_in/avail_out are 32-bit: feed both in chunks. */
    size_t in_pos = 0, out_pos = 0;
    do {
        size_t in_chunk = n - in_pos < UINT_MAX ? n - in_pos : UINT_MAX;
        size_t out_chunk = cap - out_pos < UINT_MAX ? cap - out_pos : UINT_MAX;
        zs.next_in = (Bytef *)(in + in_pos);
        zs.avail_in = (uInt)in_chunk;
        zs.next_out = out + out_pos;
        zs.avail_out = (uInt)out_chunk;
        int flush = in_pos + in_chunk == n ? Z_FINISH : Z_NO_FLUSH;
        rc = deflate(&zs, flush);
        in_pos += in_chunk - zs.avail_in;
        out_pos += out_chunk - zs.avail_out;
        if (rc == Z_STREAM_ERROR || (rc == Z_BUF_ERROR && out_pos == cap)) break;
    } while (rc != Z_STREAM_END);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) return CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
    *written = out_pos;
    return CSYSTEMSHIMS_CODEC_OK;
}

static int snappy_xerial_compress(const unsigned char *in, size_t n, unsigned char *out, size_t cap,
                                  size_t *written) {
    if (cap < XERIAL_HEADER_SIZE) return CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
    memcpy(out, xerial_magic, sizeof xerial_magic);
    put_be32(out + 8, 1);
    put_be32(out + 12, 1);
    size_t pos = XERIAL_HEADER_SIZE;
    for (size_t offset = 0; offset < n; offset += XERIAL_BLOCK_SIZE) {
        size_t block = n - offset < XERIAL_BLOCK_SIZE ? n - offset : XERIAL_BLOCK_SIZE;
        if (cap - pos < 4) return CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
        size_t compressed = cap - pos - 4;
        if (snappy_compress((const char *)in + offset, block, (char *)out + pos + 4, &compressed) != SNAPPY_OK)
            return CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
        put_be32(out + pos, (uint32_t)compressed);
        pos += 4 + compressed;
    }
    *written = pos;
    return CSYSTEMSHIMS_CODEC_OK;
}

int CSystemShims_compress(int codec, int level, const void *input, size_t n, void *output, size_t cap,
                          size_t *written) {
    *written = 0;
    if (CSystemShims_compress_bound(codec, n) == 0) return CSYSTEMSHIMS_CODEC_UNSUPPORTED;
    switch (codec) {
    case CSYSTEMSHIMS_CODEC_GZIP:
        return gzip_compress(level, input, n, output, cap, written);
    case CSYSTEMSHIMS_CODEC_SNAPPY:
        return snappy_xerial_compress(input, n, output, cap, written);
    case CSYSTEMSHIMS_CODEC_LZ4: {
        LZ4F_preferences_t prefs = lz4_preferences(level);
        size_t r = LZ4F_compressFrame(output, cap, input, n, &prefs);
        if (LZ4F_isError(r)) return CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
        *written = r;
        return CSYSTEMSHIMS_CODEC_OK;
    }
    case CSYSTEMSHIMS_CODEC_ZSTD: {
        size_t r = ZSTD_compress(output, cap, input, n, level == 0 ? ZSTD_CLEVEL_DEFAULT : level);
        if (ZSTD_isError(r)) {
            return ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation ? CSYSTEMSHIMS_CODEC_OUT_OF_MEMORY
                                                                        : CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
        }
        *written = r;
        return CSYSTEMSHIMS_CODEC_OK;
    }
    default:
        return CSYSTEMSHIMS_CODEC_UNSUPPORTED;
    }
}

/* ---------------------------------------------------------------------------------------------------- */
/* Bounded streaming decompression */

struct CSystemShims_decoder {
    int codec;
    int status;           /* NEED_OUTPUT while decoding, then OK or an error for good */
    const unsigned char *in;
    size_t in_length;
    size_t in_pos;
    size_t max_output;
    size_t produced;
    size_t size_hint;
    int frames;           /* complete frames/members decoded so far */
    int in_frame;         /* a frame/member has started and not ended */
    int xerial;           /* snappy: the input carries the xerial framing */
    union {
        z_stream zlib;
        LZ4F_dctx *lz4;
        ZSTD_DStream *zstd;
    } u;
};

/* One step of a codec: writes at most `cap` bytes, returns OK (stream complete), NEED_OUTPUT (the output
   space is exhausted before the stream is) or an error. Callers handle the bound. */
typedef int (*step_fn)(CSystemShims_decoder *d, unsigned char *out, size_t cap, size_t *written);

/* Shared end-of-input rule for the frame codecs: at least one whole frame, and none left open. */
static int frame_stream_end(const CSystemShims_decoder *d) {
    return d->frames > 0 && !d->in_frame ? CSYSTEMSHIMS_CODEC_OK : CSYSTEMSHIMS_CODEC_CORRUPT;
}

static int gzip_step(CSystemShims_decoder *d, unsigned char *out, size_t cap, size_t *written) {
    size_t w = 0;
    for (;;) {
        if (d->in_pos == d->in_length && !d->in_frame) {
            *written = w;
            return frame_stream_end(d);
        }
        if (!d->in_frame && d->frames > 0 && inflateReset(&d->u.zlib) != Z_OK) return CSYSTEMSHIMS_CODEC_LIBRARY_FAILURE;
        size_t in_chunk = d->in_length - d->in_pos < UINT_MAX ? d->in_length - d->in_pos : UINT_MAX;
        size_t out_chunk = cap - w < UINT_MAX ? cap - w : UINT_MAX;
        d->u.zlib.next_in = (Bytef *)(d->in + d->in_pos);
        d->u.zlib.avail_in = (uInt)in_chunk;
        d->u.zlib.next_out = out + w;
        d->u.zlib.avail_out = (uInt)out_chunk;
        int rc = inflate(&d->u.zlib, Z_NO_FLUSH);
        size_t consumed = in_chunk - d->u.zlib.avail_in, produced = out_chunk - d->u.zlib.avail_out;
        d->in_pos += consumed;
        w += produced;
        *written = w;
        switch (rc) {
        case Z_STREAM_END:
            d->in_frame = 0;
            d->frames++;
            continue;
        case Z_OK:
        case Z_BUF_ERROR:
            d->in_frame = 1;
            if (w == cap) return CSYSTEMSHIMS_CODEC_NEED_OUTPUT;
            if (consumed == 0 && produced == 0) return CSYSTEMSHIMS_CODEC_CORRUPT; /* input ended mid-member */
            continue;
        case Z_MEM_ERROR:
            return CSYSTEMSHIMS_CODEC_OUT_OF_MEMORY;
        default: /* Z_DATA_ERROR, Z_NEED_DICT, Z_STREAM_ERROR */
            return CSYSTEMSHIMS_CODEC_CORRUPT;
        }
    }
}

static int lz4_step(CSystemShims_decoder *d, unsigned char *out, size_t cap, size_t *written) {
    size_t w = 0;
    for (;;) {
        *written = w;
        if (d->in_pos == d->in_length && !d->in_frame) return frame_stream_end(d);
        /* With no input left the call still flushes output the context buffered from the last block. */
        size_t dst = cap - w, src = d->in_length - d->in_pos;
        size_t r = LZ4F_decompress(d->u.lz4, out + w, &dst, d->in + d->in_pos, &src, NULL);
        if (LZ4F_isError(r)) return CSYSTEMSHIMS_CODEC_CORRUPT;
        d->in_pos += src;
        w += dst;
        *written = w;
        if (r == 0) { /* end of frame; the context resets itself for a following frame */
            d->in_frame = 0;
            d->frames++;
            continue;
        }
        d->in_frame = 1;
        if (w == cap) return CSYSTEMSHIMS_CODEC_NEED_OUTPUT;
        if (src == 0 && dst == 0) return CSYSTEMSHIMS_CODEC_CORRUPT; /* input ended inside a frame */
    }
}

static int zstd_step(CSystemShims_decoder *d, unsigned char *out, size_t cap, size_t *written) {
    ZSTD_outBuffer ob = {out, cap, 0};
    for (;;) {
        *written = ob.pos;
        if (d->in_pos == d->in_length && !d->in_frame) return frame_stream_end(d);
        ZSTD_inBuffer ib = {d->in, d->in_length, d->in_pos};
        size_t before_out = ob.pos;
        size_t r = ZSTD_decompressStream(d->u.zstd, &ob, &ib);
        size_t consumed = ib.pos - d->in_pos;
        d->in_pos = ib.pos;
        *written = ob.pos;
        if (ZSTD_isError(r)) {
            switch (ZSTD_getErrorCode(r)) {
            case ZSTD_error_memory_allocation: return CSYSTEMSHIMS_CODEC_OUT_OF_MEMORY;
            case ZSTD_error_frameParameter_windowTooLarge: return CSYSTEMSHIMS_CODEC_OUTPUT_BOUND_EXCEEDED;
            default: return CSYSTEMSHIMS_CODEC_CORRUPT;
            }
        }
        if (r == 0) { /* frame complete and flushed; the stream resets itself for a following frame */
            d->in_frame = 0;
            d->frames++;
            continue;
        }
        d->in_frame = 1;
        if (ob.pos == cap) return CSYSTEMSHIMS_CODEC_NEED_OUTPUT;
        if (consumed == 0 && ob.pos == before_out) return CSYSTEMSHIMS_CODEC_CORRUPT; /* input ended inside a frame */
    }
}

/* One raw snappy block of `length` bytes at `block`: decoded whole, or NEED_OUTPUT if it does not fit. */
static int snappy_block(const unsigned char *block, size_t length, unsigned char *out, size_t space,
                        size_t *decoded) {
    size_t size;
    if (snappy_uncompressed_length((const char *)block, length, &size) != SNAPPY_OK) return CSYSTEMSHIMS_CODEC_CORRUPT;
    if (size > space) return CSYSTEMSHIMS_CODEC_NEED_OUTPUT;
    if (snappy_uncompress((const char *)block, length, (char *)out, &size) != SNAPPY_OK) return CSYSTEMSHIMS_CODEC_CORRUPT;
    *decoded = size;
    return CSYSTEMSHIMS_CODEC_OK;
}

static int snappy_step(CSystemShims_decoder *d, unsigned char *out, size_t cap, size_t *written) {
    size_t w = 0;
    *written = 0;
    if (!d->xerial) {
        int rc = snappy_block(d->in, d->in_length, out, cap, &w);
        if (rc != CSYSTEMSHIMS_CODEC_OK) return rc;
        d->in_pos = d->in_length;
        d->frames = 1;
        *written = w;
        return CSYSTEMSHIMS_CODEC_OK;
    }
    while (d->in_pos < d->in_length) {
        if (d->in_length - d->in_pos < 4) return CSYSTEMSHIMS_CODEC_CORRUPT;
        size_t length = get_be32(d->in + d->in_pos);
        if (length > d->in_length - d->in_pos - 4) return CSYSTEMSHIMS_CODEC_CORRUPT;
        size_t decoded = 0;
        int rc = snappy_block(d->in + d->in_pos + 4, length, out + w, cap - w, &decoded);
        if (rc != CSYSTEMSHIMS_CODEC_OK) return rc;
        d->in_pos += 4 + length;
        w += decoded;
        *written = w;
    }
    return CSYSTEMSHIMS_CODEC_OK;
}

/* Sum of the declared block sizes of a snappy input (raw: one block; xerial: every block), 0 if malformed. */
static size_t snappy_declared_size(const CSystemShims_decoder *d) {
    size_t total = 0, pos = d->in_pos, size;
    if (!d->xerial) return snappy_uncompressed_length((const char *)d->in, d->in_length, &size) == SNAPPY_OK ? size : 0;
    while (pos < d->in_length) {
        if (d->in_length - pos < 4) return 0;
        size_t length = get_be32(d->in + pos);
        if (length > d->in_length - pos - 4) return 0;
        if (snappy_uncompressed_length((const char *)d->in + pos + 4, length, &size) != SNAPPY_OK) return 0;
        if (size > SIZE_MAX - total) return 0;
        total += size;
        pos += 4 + length;
    }
    return total;
}

/* zstd's window buffer is the one allocation sized by the input (the frame header's window size): allow
   windows up to the output bound, but at least 8 MiB (zstd's largest default window below level 20). */
enum { ZSTD_WINDOW_LOG_LIMIT = 27 }; /* zstd's own default limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT, not public) */
static int zstd_window_log_max(size_t max_output) {
    int log = 23;
    while (log < ZSTD_WINDOW_LOG_LIMIT && ((size_t)1 << log) < max_output) log++;
    return log;
}

CSystemShims_decoder *CSystemShims_decoder_create(int codec, const void *input, size_t length, size_t max_output) {
    CSystemShims_decoder *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    d->codec = codec;
    d->in = input;
    d->in_length = length;
    d->max_output = max_output;
    d->status = CSYSTEMSHIMS_CODEC_NEED_OUTPUT;
    switch (codec) {
    case CSYSTEMSHIMS_CODEC_GZIP:
        if (inflateInit2(&d->u.zlib, 15 + 32) != Z_OK) break; /* 15 + 32: gzip or zlib header, detected */
        return d;
    case CSYSTEMSHIMS_CODEC_SNAPPY:
        if (length >= XERIAL_HEADER_SIZE && memcmp(input, xerial_magic, sizeof xerial_magic) == 0) {
            /* The version fields are ignored: some writers store them little-endian. */
            d->xerial = 1;
            d->in_pos = XERIAL_HEADER_SIZE;
        }
        d->size_hint = snappy_declared_size(d);
        return d;
    case CSYSTEMSHIMS_CODEC_LZ4:
        if (LZ4F_isError(LZ4F_createDecompressionContext(&d->u.lz4, LZ4F_VERSION))) break;
        return d;
    case CSYSTEMSHIMS_CODEC_ZSTD: {
        d->u.zstd = ZSTD_createDStream();
        if (!d->u.zstd) break;
        if (ZSTD_isError(ZSTD_DCtx_setParameter(d->u.zstd, ZSTD_d_windowLogMax, zstd_window_log_max(max_output)))) {
            ZSTD_freeDStream(d->u.zstd);
            break;
        }
        unsigned long long size = ZSTD_getFrameContentSize(input, length);
        if (size != ZSTD_CONTENTSIZE_UNKNOWN && size != ZSTD_CONTENTSIZE_ERROR && size <= SIZE_MAX) d->size_hint = (size_t)size;
        return d;
    }
    default:
        break;
    }
    free(d);
    return NULL;
}

static step_fn step_for(int codec) {
    switch (codec) {
    case CSYSTEMSHIMS_CODEC_GZIP: return gzip_step;
    case CSYSTEMSHIMS_CODEC_SNAPPY: return snappy_step;
    case CSYSTEMSHIMS_CODEC_LZ4: return lz4_step;
    default: return zstd_step;
    }
}

int CSystemShims_decoder_read(CSystemShims_decoder *d, void *output, size_t capacity, size_t *written) {
    *written = 0;
    if (d->status != CSYSTEMSHIMS_CODEC_NEED_OUTPUT) return d->status;
    step_fn step = step_for(d->codec);
    size_t remaining = d->max_output - d->produced;
    int clipped = capacity >= remaining;
    int rc = step(d, output, clipped ? remaining : capacity, written);
    d->produced += *written;
    if (rc == CSYSTEMSHIMS_CODEC_NEED_OUTPUT && clipped) {
        /* The caller offered everything the bound allows. Probe with one byte: the stream may only have
           a trailer left (then it completes), or it has more output (then the bound is exceeded). */
        unsigned char probe;
        size_t extra = 0;
        rc = step(d, &probe, 1, &extra);
        if (rc == CSYSTEMSHIMS_CODEC_NEED_OUTPUT || extra > 0) rc = CSYSTEMSHIMS_CODEC_OUTPUT_BOUND_EXCEEDED;
    }
    d->status = rc;
    return rc;
}

size_t CSystemShims_decoder_size_hint(const CSystemShims_decoder *d) { return d->size_hint; }

void CSystemShims_decoder_free(CSystemShims_decoder *d) {
    if (!d) return;
    switch (d->codec) {
    case CSYSTEMSHIMS_CODEC_GZIP: inflateEnd(&d->u.zlib); break;
    case CSYSTEMSHIMS_CODEC_LZ4: LZ4F_freeDecompressionContext(d->u.lz4); break;
    case CSYSTEMSHIMS_CODEC_ZSTD: ZSTD_freeDStream(d->u.zstd); break;
    default: break;
    }
    free(d);
}
