/*
 * loadgen: a librdkafka load generator, the reference client for Petrel's broker benchmarks.
 *
 *   loadgen produce  BROKERS TOPIC NUM SIZE ACKS COMPRESSION LINGER_MS
 *   loadgen consume  BROKERS TOPIC NUM
 *   loadgen e2e      BROKERS TOPIC NUM SIZE ACKS RATE
 *
 * e2e sends RATE records/s of SIZE bytes, each carrying its send time, and a consumer thread reports the
 * latency percentiles; neither side busy-polls, so on a small machine the broker keeps the cores.
 *
 * Prints one summary line of key=value pairs, so scripts can parse it. Written against librdkafka's C
 * API so that the client costs the same whatever broker it talks to.
 */
#include <librdkafka/rdkafka.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "loadgen: %s: %s\n", what, detail);
    exit(1);
}

static void set(rd_kafka_conf_t *conf, const char *key, const char *value) {
    char err[512];
    if (rd_kafka_conf_set(conf, key, value, err, sizeof err) != RD_KAFKA_CONF_OK) die(key, err);
}

static long delivered, failed;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk; (void)opaque;
    if (m->err) {
        if (failed++ < 5) fprintf(stderr, "loadgen: delivery failed: %s\n", rd_kafka_err2str(m->err));
    } else {
        delivered++;
    }
}

static rd_kafka_t *make_producer(const char *brokers, const char *acks, const char *compression, const char *linger) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    set(conf, "bootstrap.servers", brokers);
    set(conf, "acks", acks);
    set(conf, "compression.codec", compression);
    set(conf, "linger.ms", linger);
    set(conf, "batch.size", "1000000");
    set(conf, "queue.buffering.max.messages", "1000000");
    set(conf, "queue.buffering.max.kbytes", "1048576");
    set(conf, "enable.idempotence", "false");
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (!rk) die("producer", err);
    return rk;
}

static void produce_one(rd_kafka_t *rk, const char *topic, void *payload, size_t size) {
    for (;;) {
        rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE(payload, size),
                                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return;
        if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(e));
        rd_kafka_poll(rk, 10);
    }
}

static int produce(const char *brokers, const char *topic, long num, size_t size, const char *acks,
                   const char *compression, const char *linger) {
    rd_kafka_t *rk = make_producer(brokers, acks, compression, linger);
    char *payload = malloc(size);
    /* Half random, half repeated: compressible like real payloads, not trivially so. */
    unsigned seed = 42;
    for (size_t i = 0; i < size; i++) payload[i] = i % 2 ? 'a' + (char)(i % 26) : (char)(rand_r(&seed) & 0x7f);
    int64_t start = now_us();
    for (long i = 0; i < num; i++) {
        produce_one(rk, topic, payload, size);
        if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
    }
    while (rd_kafka_outq_len(rk) > 0) rd_kafka_poll(rk, 5);
    double secs = (double)(now_us() - start) / 1e6;
    printf("mode=produce records=%ld size=%zu acks=%s compression=%s delivered=%ld failed=%ld seconds=%.3f "
           "records_per_sec=%.0f mb_per_sec=%.1f\n",
           num, size, acks, compression, delivered, failed, secs, num / secs, num * (double)size / secs / 1e6);
    rd_kafka_destroy(rk);
    free(payload);
    return failed ? 1 : 0;
}

static rd_kafka_t *make_consumer(const char *brokers, const char *topic) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    char err[512];
    set(conf, "bootstrap.servers", brokers);
    set(conf, "group.id", "loadgen");
    set(conf, "enable.auto.commit", "false");
    set(conf, "fetch.message.max.bytes", "1048576");
    set(conf, "queued.max.messages.kbytes", "262144");
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
    if (!rk) die("consumer", err);
    rd_kafka_poll_set_consumer(rk);
    /* Assign every partition from the beginning: no group protocol involved in the measurement. */
    const rd_kafka_metadata_t *md;
    rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
    if (rd_kafka_metadata(rk, 0, rkt, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) die("metadata", topic);
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(8);
    for (int i = 0; i < md->topics[0].partition_cnt; i++)
        rd_kafka_topic_partition_list_add(parts, topic, md->topics[0].partitions[i].id)->offset = RD_KAFKA_OFFSET_END;
    rd_kafka_metadata_destroy(md);
    rd_kafka_topic_destroy(rkt);
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
    return rk;
}

static void assign_from_beginning(rd_kafka_t *rk) {
    rd_kafka_topic_partition_list_t *parts;
    rd_kafka_assignment(rk, &parts);
    for (int i = 0; i < parts->cnt; i++) parts->elems[i].offset = RD_KAFKA_OFFSET_BEGINNING;
    rd_kafka_assign(rk, parts);
    rd_kafka_topic_partition_list_destroy(parts);
}

static int consume(const char *brokers, const char *topic, long num) {
    rd_kafka_t *rk = make_consumer(brokers, topic);
    assign_from_beginning(rk);
    long count = 0;
    double bytes = 0;
    int64_t start = now_us(), first = 0, idle_since = now_us();
    while (count < num) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
        if (!m) {
            if (now_us() - idle_since > 10000000) break; /* 10 s without data: report what we have */
            continue;
        }
        if (!m->err) {
            if (!first) first = now_us();
            count++;
            bytes += (double)m->len;
            idle_since = now_us();
        }
        rd_kafka_message_destroy(m);
    }
    double secs = (double)(now_us() - start) / 1e6;
    printf("mode=consume records=%ld seconds=%.3f records_per_sec=%.0f mb_per_sec=%.1f first_record_ms=%.1f\n",
           count, secs, count / secs, bytes / secs / 1e6, first ? (first - start) / 1e3 : -1.0);
    rd_kafka_consumer_close(rk);
    rd_kafka_destroy(rk);
    return count == num ? 0 : 1;
}

static int compare_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The consumer side of e2e: blocks in poll (no busy loop stealing a core from the broker on a small
   machine) and records each record's latency from the send time it carries. */
struct e2e_consumer {
    rd_kafka_t *rk;
    long num, received;
    int64_t *latencies, deadline;
};

static void *e2e_consume(void *arg) {
    struct e2e_consumer *c = arg;
    while (c->received < c->num && now_us() < c->deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, 100);
        if (!m) continue;
        if (!m->err && m->len >= sizeof(int64_t)) {
            int64_t sent_at;
            memcpy(&sent_at, m->payload, sizeof sent_at);
            c->latencies[c->received++] = now_us() - sent_at;
        }
        rd_kafka_message_destroy(m);
    }
    return NULL;
}

static int e2e(const char *brokers, const char *topic, long num, size_t size, const char *acks, long rate) {
    if (size < sizeof(int64_t)) size = sizeof(int64_t);
    rd_kafka_t *consumer = make_consumer(brokers, topic); /* starts at the end: sees only what follows */
    rd_kafka_t *producer = make_producer(brokers, acks, "none", "0");
    /* Let the consumer's first (empty) fetch settle before the clock starts. */
    for (int i = 0; i < 20; i++) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(consumer, 50);
        if (m) rd_kafka_message_destroy(m);
    }
    char *payload = calloc(1, size);
    struct e2e_consumer c = {consumer, num, 0, calloc((size_t)num, sizeof(int64_t)), now_us() + 120000000};
    pthread_t thread;
    if (pthread_create(&thread, NULL, e2e_consume, &c) != 0) die("e2e", "cannot start the consumer thread");
    /* The producer sleeps until each send time (fixed rate, no busy loop). */
    int64_t interval_ns = 1000000000 / rate;
    struct timespec due;
    clock_gettime(CLOCK_MONOTONIC, &due);
    for (long sent = 0; sent < num && now_us() < c.deadline; sent++) {
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
        int64_t t = now_us();
        memcpy(payload, &t, sizeof t);
        produce_one(producer, topic, payload, size);
        rd_kafka_poll(producer, 0);
        due.tv_nsec += interval_ns;
        if (due.tv_nsec >= 1000000000) { due.tv_sec++; due.tv_nsec -= 1000000000; }
    }
    pthread_join(thread, NULL);
    long received = c.received;
    int64_t *latencies = c.latencies;
    qsort(latencies, (size_t)received, sizeof(int64_t), compare_i64);
#define PCT(p) (received ? latencies[(long)((received - 1) * (p))] / 1000.0 : -1.0)
    printf("mode=e2e records=%ld rate=%ld acks=%s p50_ms=%.2f p99_ms=%.2f p999_ms=%.2f max_ms=%.2f\n", received,
           rate, acks, PCT(0.5), PCT(0.99), PCT(0.999), PCT(1.0));
    rd_kafka_flush(producer, 5000);
    rd_kafka_destroy(producer);
    rd_kafka_consumer_close(consumer);
    rd_kafka_destroy(consumer);
    return received == num ? 0 : 1;
}

int main(int argc, char **argv) {
    if (argc >= 9 && !strcmp(argv[1], "produce"))
        return produce(argv[2], argv[3], atol(argv[4]), (size_t)atol(argv[5]), argv[6], argv[7], argv[8]);
    if (argc >= 5 && !strcmp(argv[1], "consume")) return consume(argv[2], argv[3], atol(argv[4]));
    if (argc >= 8 && !strcmp(argv[1], "e2e"))
        return e2e(argv[2], argv[3], atol(argv[4]), (size_t)atol(argv[5]), argv[6], atol(argv[7]));
    fprintf(stderr, "usage:\n  loadgen produce BROKERS TOPIC NUM SIZE ACKS COMPRESSION LINGER_MS\n"
                    "  loadgen consume BROKERS TOPIC NUM\n  loadgen e2e BROKERS TOPIC NUM SIZE ACKS RATE\n");
    return 2;
}
