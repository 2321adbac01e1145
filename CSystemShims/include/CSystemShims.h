/*
 * CSystemShims: the C side of Petrel's storage engine and codecs.
 *
 * Swift cannot import liburing, lz4frame, zstd, zlib and snappy-c headers cleanly (static inline
 * functions, macros and layout-dependent structs), and the SSE4.2 CRC-32C path needs a per-function
 * target attribute. So each facility gets a small C API here with `CSystemShims_` prefixed symbols and
 * only plain types; the library headers are included by the .c files alone.
 *
 * One header per facility; one Swift wrapper file per facility in the module that uses it.
 */
#ifndef CSYSTEMSHIMS_H
#define CSYSTEMSHIMS_H

#include "CSystemShims_codecs.h"
#include "CSystemShims_crc32c.h"
#include "CSystemShims_uring.h"

#endif
