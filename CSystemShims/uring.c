/* Batched vectored file writes + fdatasync: io_uring engine and a pwritev fallback with the same API. */
#include "CSystemShims_uring.h"

#include <errno.h>
#include <limits.h>
#include <liburing.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#ifndef IOV_MAX
#define IOV_MAX 1024
#endif

enum { KIND_WRITE = 0, KIND_SYNC = 1 };

/* One submitted write, tracked until its whole length (and its fdatasync) is done. */
struct op_slot {
    int used;
    int fd;
    int sync;
    uint64_t user_data;
    struct iovec *iov; /* owned copy; iov[idx] is trimmed in place after a short write */
    int iovcnt;
    int idx;
    uint64_t offset; /* file offset of the next unwritten byte */
    int64_t written;
    int64_t error;   /* 0 or -errno */
    int pending;     /* SQEs submitted whose CQE has not arrived */
    uint16_t gen;    /* bumped per resubmission so a stale fdatasync CQE is recognised */
    int synced;
    int next_free;
};

struct CSystemShims_ring {
    int engine;
    int eventfd;
    struct io_uring ring;
    struct op_slot *slots;
    int slot_capacity;
    int free_head; /* -1 when every slot is in use */
    size_t in_flight; /* submitted and not reaped: in the kernel or in `ready` */
    CSystemShims_completion *ready; /* finished writes waiting to be reaped */
    size_t ready_count, ready_capacity;
};

static uint64_t encode(int slot, uint16_t gen, int kind) {
    return ((uint64_t)(uint32_t)slot << 32) | ((uint64_t)gen << 1) | (uint64_t)kind;
}

static int grow_slots(CSystemShims_ring *r) {
    int capacity = r->slot_capacity ? r->slot_capacity * 2 : 256;
    struct op_slot *slots = realloc(r->slots, sizeof(*slots) * (size_t)capacity);
    if (!slots) return -ENOMEM;
    for (int i = r->slot_capacity; i < capacity; i++) {
        memset(&slots[i], 0, sizeof(slots[i]));
        slots[i].next_free = i + 1 < capacity ? i + 1 : r->free_head;
    }
    r->free_head = r->slot_capacity;
    r->slots = slots;
    r->slot_capacity = capacity;
    return 0;
}

static int push_ready(CSystemShims_ring *r, uint64_t user_data, int64_t result) {
    if (r->ready_count == r->ready_capacity) {
        size_t capacity = r->ready_capacity ? r->ready_capacity * 2 : 256;
        CSystemShims_completion *ready = realloc(r->ready, sizeof(*ready) * capacity);
        if (!ready) return -ENOMEM;
        r->ready = ready;
        r->ready_capacity = capacity;
    }
    r->ready[r->ready_count].user_data = user_data;
    r->ready[r->ready_count].result = result;
    r->ready_count++;
    return 0;
}

static void release_slot(CSystemShims_ring *r, int index) {
    struct op_slot *s = &r->slots[index];
    free(s->iov);
    s->iov = NULL;
    s->used = 0;
    s->next_free = r->free_head;
    r->free_head = index;
}

/* Moves the slot's cursor past `n` written bytes. */
static void advance(struct op_slot *s, size_t n) {
    s->written += (int64_t)n;
    s->offset += n;
    while (n > 0 && s->idx < s->iovcnt) {
        struct iovec *v = &s->iov[s->idx];
        if (n >= v->iov_len) {
            n -= v->iov_len;
            s->idx++;
        } else {
            v->iov_base = (char *)v->iov_base + n;
            v->iov_len -= n;
            n = 0;
        }
    }
    while (s->idx < s->iovcnt && s->iov[s->idx].iov_len == 0) s->idx++;
}

static int remaining_chunk(const struct op_slot *s) {
    int left = s->iovcnt - s->idx;
    return left < IOV_MAX ? left : IOV_MAX;
}

/* Finishes the slot: reports it (stored error or total bytes) and frees it. */
static int finish(CSystemShims_ring *r, int index) {
    struct op_slot *s = &r->slots[index];
    int rc = push_ready(r, s->user_data, s->error ? s->error : s->written);
    if (rc) r->in_flight--; /* out of memory: this write will never be reported */
    release_slot(r, index);
    return rc;
}

/* ---- sync engine ---- */

static void run_sync(struct op_slot *s) {
    while (s->idx < s->iovcnt) {
        ssize_t n = pwritev(s->fd, s->iov + s->idx, remaining_chunk(s), (off_t)s->offset);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN) continue;
            s->error = -errno;
            return;
        }
        if (n == 0) { /* no progress on a regular file means the device refuses more bytes */
            s->error = -ENOSPC;
            return;
        }
        advance(s, (size_t)n);
    }
    if (s->sync) {
        while (fdatasync(s->fd) != 0) {
            if (errno == EINTR) continue;
            s->error = -errno;
            return;
        }
    }
}

/* ---- io_uring engine ---- */

static struct io_uring_sqe *next_sqe(CSystemShims_ring *r) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    if (!sqe) { /* submission queue full: hand what we have to the kernel and continue */
        io_uring_submit(&r->ring);
        sqe = io_uring_get_sqe(&r->ring);
    }
    return sqe;
}

/* Queues the next chunk of the slot (and its linked fdatasync when it is the last chunk). */
static int queue_chunk(CSystemShims_ring *r, int index) {
    struct op_slot *s = &r->slots[index];
    int chunk = remaining_chunk(s);
    int last = chunk == s->iovcnt - s->idx;
    s->gen++;
    if (chunk > 0) {
        struct io_uring_sqe *sqe = next_sqe(r);
        if (!sqe) return -EBUSY;
        io_uring_prep_writev(sqe, s->fd, s->iov + s->idx, (unsigned)chunk, s->offset);
        io_uring_sqe_set_data64(sqe, encode(index, s->gen, KIND_WRITE));
        s->pending++;
        if (!(last && s->sync)) return 0;
        sqe->flags |= IOSQE_IO_LINK;
    }
    struct io_uring_sqe *sync = next_sqe(r);
    if (!sync) return -EBUSY; /* a dangling link flag is harmless: nothing follows it */
    io_uring_prep_fsync(sync, s->fd, IORING_FSYNC_DATASYNC);
    io_uring_sqe_set_data64(sync, encode(index, s->gen, KIND_SYNC));
    s->pending++;
    return 0;
}

/* Applies one CQE to its slot: resubmits the remainder of short or interrupted writes. */
static int handle_cqe(CSystemShims_ring *r, uint64_t data, int res, int *resubmitted) {
    int index = (int)(data >> 32);
    uint16_t gen = (uint16_t)(data >> 1);
    int kind = (int)(data & 1);
    struct op_slot *s = &r->slots[index];
    s->pending--;
    if (kind == KIND_WRITE) {
        if (res == -EINTR || res == -EAGAIN) {
            if (!s->error) {
                int rc = queue_chunk(r, index);
                if (rc) s->error = rc; else *resubmitted = 1;
            }
        } else if (res < 0) {
            if (!s->error) s->error = res;
        } else if (res == 0 && s->idx < s->iovcnt) {
            if (!s->error) s->error = -ENOSPC;
        } else {
            advance(s, (size_t)res);
            if (s->idx < s->iovcnt && !s->error) { /* short write: the linked sync was cancelled */
                int rc = queue_chunk(r, index);
                if (rc) s->error = rc; else *resubmitted = 1;
            }
        }
    } else if (gen == s->gen) {
        if (res == 0) s->synced = 1;
        else if (res != -ECANCELED && !s->error) s->error = res;
        else if (res == -ECANCELED && s->pending == 0 && s->idx >= s->iovcnt && !s->error) {
            /* cancelled although the write finished: sync again on its own */
            int rc = queue_chunk(r, index);
            if (rc) s->error = rc; else *resubmitted = 1;
        }
    }
    if (s->pending == 0 && (s->error || (s->idx >= s->iovcnt && (!s->sync || s->synced)))) return finish(r, index);
    return 0;
}

static int drain_cqes(CSystemShims_ring *r) {
    struct io_uring_cqe *cqes[256];
    int resubmitted = 0, rc = 0;
    for (;;) {
        unsigned n = io_uring_peek_batch_cqe(&r->ring, cqes, 256);
        if (n == 0) break;
        for (unsigned i = 0; i < n; i++) {
            int err = handle_cqe(r, io_uring_cqe_get_data64(cqes[i]), cqes[i]->res, &resubmitted);
            if (err && !rc) rc = err;
        }
        io_uring_cq_advance(&r->ring, n);
    }
    if (resubmitted) io_uring_submit(&r->ring);
    return rc;
}

/* ---- public API ---- */

CSystemShims_ring *CSystemShims_ring_create(unsigned entries, int request, int *uring_error) {
    if (uring_error) *uring_error = 0;
    CSystemShims_ring *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    r->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (r->eventfd < 0) {
        free(r);
        return NULL;
    }
    r->free_head = -1;
    r->engine = CSystemShims_RING_ENGINE_SYNC;
    if (request != CSystemShims_RING_REQUEST_SYNC) {
        int rc = request == CSystemShims_RING_REQUEST_AUTO_FORCE_UNAVAILABLE
            ? -ENOSYS : io_uring_queue_init(entries ? entries : 256, &r->ring, 0);
        if (rc == 0 && (rc = io_uring_register_eventfd(&r->ring, r->eventfd)) != 0) io_uring_queue_exit(&r->ring);
        if (rc == 0) {
            r->engine = CSystemShims_RING_ENGINE_URING;
        } else {
            if (uring_error) *uring_error = -rc;
            if (request == CSystemShims_RING_REQUEST_URING) {
                close(r->eventfd);
                free(r);
                errno = -rc;
                return NULL;
            }
        }
    }
    return r;
}

void CSystemShims_ring_destroy(CSystemShims_ring *r) {
    if (!r) return;
    if (r->engine == CSystemShims_RING_ENGINE_URING) {
        while (r->in_flight > r->ready_count) { /* the kernel may still touch the buffers: wait for every CQE */
            struct io_uring_cqe *cqe;
            if (io_uring_wait_cqe(&r->ring, &cqe) < 0) break;
            drain_cqes(r);
        }
        io_uring_queue_exit(&r->ring);
    }
    for (int i = 0; i < r->slot_capacity; i++) free(r->slots[i].iov);
    free(r->slots);
    free(r->ready);
    close(r->eventfd);
    free(r);
}

int CSystemShims_ring_engine(const CSystemShims_ring *r) { return r->engine; }

int CSystemShims_ring_eventfd(const CSystemShims_ring *r) { return r->eventfd; }

size_t CSystemShims_ring_in_flight(const CSystemShims_ring *r) { return r->in_flight; }

int CSystemShims_ring_submit_writes(
    CSystemShims_ring *r, const CSystemShims_write_op *ops, size_t count, size_t *queued) {
    int rc = 0;
    size_t done_sync = 0, i = 0;
    for (; i < count; i++) {
        const CSystemShims_write_op *op = &ops[i];
        if (op->iovcnt < 0) { rc = -EINVAL; break; }
        if (r->free_head < 0 && (rc = grow_slots(r)) != 0) break;
        int index = r->free_head;
        struct op_slot *s = &r->slots[index];
        struct iovec *copy = NULL;
        if (op->iovcnt > 0) {
            copy = malloc(sizeof(*copy) * (size_t)op->iovcnt);
            if (!copy) { rc = -ENOMEM; break; }
            memcpy(copy, op->iov, sizeof(*copy) * (size_t)op->iovcnt);
        }
        r->free_head = s->next_free;
        uint16_t gen = s->gen;
        memset(s, 0, sizeof(*s));
        s->used = 1;
        s->gen = gen;
        s->fd = op->fd;
        s->sync = op->sync;
        s->user_data = op->user_data;
        s->iov = copy;
        s->iovcnt = op->iovcnt;
        s->offset = op->offset;
        r->in_flight++;
        while (s->idx < s->iovcnt && s->iov[s->idx].iov_len == 0) s->idx++;
        if (r->engine == CSystemShims_RING_ENGINE_SYNC || (s->idx >= s->iovcnt && !s->sync)) {
            if (r->engine == CSystemShims_RING_ENGINE_SYNC) run_sync(s);
            if ((rc = finish(r, index)) != 0) break;
            done_sync++;
        } else if ((rc = queue_chunk(r, index)) != 0) {
            /* SQEs of this op may already be queued; let them complete and report the error then */
            s->error = rc;
            if (s->pending == 0) finish(r, index);
            i++; /* this op still produces a completion */
            break;
        }
    }
    if (queued) *queued = i;
    if (r->engine == CSystemShims_RING_ENGINE_URING) {
        int submitted = io_uring_submit(&r->ring);
        if (submitted < 0 && rc == 0) rc = submitted;
    } else if (done_sync > 0) {
        uint64_t one = 1;
        ssize_t ignored = write(r->eventfd, &one, sizeof(one));
        (void)ignored; /* only fails when the counter would overflow, and then it is readable anyway */
    }
    return rc;
}

int CSystemShims_ring_reap(CSystemShims_ring *r, CSystemShims_completion *out, size_t max, int timeout_ms) {
    if (r->engine == CSystemShims_RING_ENGINE_URING && r->ready_count == 0) {
        int rc = drain_cqes(r);
        if (rc) return rc;
        while (r->ready_count == 0 && timeout_ms != 0 && r->in_flight > r->ready_count) {
            struct io_uring_cqe *cqe;
            int wait;
            if (timeout_ms < 0) {
                wait = io_uring_wait_cqe(&r->ring, &cqe);
            } else {
                struct __kernel_timespec ts = {.tv_sec = timeout_ms / 1000, .tv_nsec = (timeout_ms % 1000) * 1000000L};
                wait = io_uring_wait_cqe_timeout(&r->ring, &cqe, &ts);
            }
            if (wait == -ETIME) break;
            if (wait < 0 && wait != -EINTR) return wait;
            if ((rc = drain_cqes(r)) != 0) return rc;
            if (timeout_ms > 0) break; /* one bounded wait; the caller loops if it wants more */
        }
    }
    size_t n = r->ready_count < max ? r->ready_count : max;
    memcpy(out, r->ready, sizeof(*out) * n);
    memmove(r->ready, r->ready + n, sizeof(*out) * (r->ready_count - n));
    r->ready_count -= n;
    r->in_flight -= n;
    if (r->engine == CSystemShims_RING_ENGINE_SYNC && r->ready_count == 0) {
        uint64_t value;
        ssize_t ignored = read(r->eventfd, &value, sizeof(value)); /* reset: nothing left to report */
        (void)ignored;
    }
    return (int)n;
}
