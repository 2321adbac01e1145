"""Log compaction by the broker's cleaner thread, read back by librdkafka and kafka-python."""
import os
import tempfile
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic
from kafka import KafkaConsumer, TopicPartition as KafkaPythonTopicPartition

from conftest import Broker
from test_confluent import consume

KEYS = [f"key-{k}" for k in range(10)]
ROUNDS = 30


def produce_rounds(broker, topic):
    """ROUNDS values per key, one small batch per round (so segments hold several rounds)."""
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 0})
    for round_index in range(ROUNDS):
        for key in KEYS:
            producer.produce(topic, key=key.encode(), value=f"{key}@{round_index}".encode())
        assert producer.flush(30) == 0
    # Tombstone for one key: compaction keeps it (delete.retention.ms is a day) and drops its values.
    producer.produce(topic, key=KEYS[0].encode(), value=None)
    assert producer.flush(30) == 0


def test_cleaner_compacts_a_topic_and_clients_read_it_back():
    with tempfile.TemporaryDirectory(prefix="petrel-it-") as tmp:
        broker = Broker(os.path.join(tmp, "data"), extra_overrides=["log.cleaner.backoff.ms=200"])
        broker.start()
        try:
            topic = "compacted"
            client = AdminClient({"bootstrap.servers": broker.bootstrap})
            client.create_topics([NewTopic(topic, 1, 1, config={
                "cleanup.policy": "compact", "segment.bytes": "4096", "min.cleanable.dirty.ratio": "0.01",
            })])[topic].result(timeout=30)
            produce_rounds(broker, topic)
            total = ROUNDS * len(KEYS) + 1

            deadline = time.monotonic() + 60
            while True:
                messages = consume(broker, topic, partition=0)
                if len(messages) < total / 2 or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert len(messages) < total / 2, "the cleaner never compacted the topic"

            offsets = [m.offset() for m in messages]
            assert offsets == sorted(set(offsets))  # offsets never move, gaps where records went
            latest = {}
            for m in messages:
                latest[m.key().decode()] = m.value()
            assert latest[KEYS[0]] is None  # the tombstone is the key's last word
            for key in KEYS[1:]:
                assert latest[key] == f"{key}@{ROUNDS - 1}".encode()
            assert messages[-1].offset() == total - 1  # the active segment is never cleaned

            consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False,
                                     consumer_timeout_ms=5000)
            partition = KafkaPythonTopicPartition(topic, 0)
            consumer.assign([partition])
            consumer.seek_to_beginning(partition)
            seen = [(r.offset, r.key, r.value) for r in consumer]
            consumer.close()
            assert seen[-1][0] == total - 1
            assert {k.decode() for _, k, _ in seen} == set(KEYS)

            # Compacted segments survive a kill -9 and recovery (offset gaps inside and between them).
            broker.kill()
            broker.start()
            assert [m.offset() for m in consume(broker, topic, partition=0)][-1] == total - 1
        finally:
            broker.kill()
