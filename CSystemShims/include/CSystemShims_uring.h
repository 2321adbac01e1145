#ifndef CSYSTEMSHIMS_URING_H
#define CSYSTEMSHIMS_URING_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/*
 * Batched file writes for the storage engine: vectored writes at explicit file offsets, each optionally
 * followed by an fdatasync, many files per submission, completions reaped without blocking or with a
 * timeout.
 *
 * Why a shim: liburing's API is static inline functions over layout-dependent structs, which Swift
 * cannot import cleanly, so <liburing.h> stays inside uring.c and Swift sees only this plain API.
 *
 * Two engines behind the same API (the `engine` of a ring): io_uring, and a synchronous pwritev +
 * fdatasync fallback that runs each write at submit time and queues its completion. The fallback is
 * chosen automatically when io_uring_queue_init fails (ENOSYS, EPERM from kernel.io_uring_disabled or
 * seccomp, ENOMEM) or explicitly.
 *
 * A write completes once: after every byte is written (short writes and EINTR/EAGAIN are resubmitted
 * for the remainder by the shim) and, when `sync` was set, after the fdatasync that follows it
 * (io_uring: a linked IOSQE_IO_LINK pair). A ring is owned by one thread; it is not thread-safe.
 */

typedef struct CSystemShims_ring CSystemShims_ring;

enum {
    CSystemShims_RING_ENGINE_URING = 1,
    CSystemShims_RING_ENGINE_SYNC = 2,
};

enum {
    /* Pick io_uring, fall back to sync when the ring cannot be created. */
    CSystemShims_RING_REQUEST_AUTO = 0,
    CSystemShims_RING_REQUEST_URING = 1,
    CSystemShims_RING_REQUEST_SYNC = 2,
    /* Test hook: behave as if io_uring_queue_init failed with ENOSYS, then fall back. */
    CSystemShims_RING_REQUEST_AUTO_FORCE_UNAVAILABLE = 3,
};

/* One write: `iovcnt` buffers (0 allowed: a pure fdatasync when `sync` is set) at `offset` of `fd`. */
typedef struct {
    int fd;
    int sync;
    uint64_t offset;
    const struct iovec *iov;
    int iovcnt;
    uint64_t user_data;
} CSystemShims_write_op;

typedef struct {
    uint64_t user_data;
    /* Bytes written (the full length) on success, -errno on failure (of the write or the fdatasync). */
    int64_t result;
} CSystemShims_completion;

/*
 * Creates a ring with room for `entries` submission entries (rounded up to a power of two by the
 * kernel). `request` is one of CSystemShims_RING_REQUEST_*. When io_uring was wanted but could not be
 * set up, `*uring_error` receives the positive errno of that failure (0 otherwise); with REQUEST_URING
 * that failure returns NULL instead of falling back. Returns NULL with errno set on failure.
 */
CSystemShims_ring *CSystemShims_ring_create(unsigned entries, int request, int *uring_error);
void CSystemShims_ring_destroy(CSystemShims_ring *ring);

/* CSystemShims_RING_ENGINE_URING or CSystemShims_RING_ENGINE_SYNC. */
int CSystemShims_ring_engine(const CSystemShims_ring *ring);

/*
 * An eventfd that becomes readable whenever completions are ready (registered with io_uring; written
 * by the sync engine). The caller may poll it and must read it to reset it.
 */
int CSystemShims_ring_eventfd(const CSystemShims_ring *ring);

/*
 * Queues `count` writes and submits them with one io_uring_submit (more only if they do not fit the
 * submission queue). The iovec arrays are copied; the buffers they point to must stay valid until the
 * write's completion is reaped. Returns 0 or -errno; `*queued` receives how many ops (from the start)
 * will produce a completion, so on error the rest were not taken.
 */
int CSystemShims_ring_submit_writes(
    CSystemShims_ring *ring, const CSystemShims_write_op *ops, size_t count, size_t *queued);

/*
 * Copies up to `max` finished writes into `out`. `timeout_ms` < 0 waits until at least one is ready,
 * 0 never blocks, > 0 waits at most that long. Returns the number copied or -errno.
 */
int CSystemShims_ring_reap(CSystemShims_ring *ring, CSystemShims_completion *out, size_t max, int timeout_ms);

/* Writes submitted and not yet reaped. */
size_t CSystemShims_ring_in_flight(const CSystemShims_ring *ring);

#endif
