"""Durability across restarts: data acknowledged with acks=all survives a clean stop and a kill -9,
at the same offsets, and the topic metadata survives with it."""
import time

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

from test_confluent import consume


def produce_all(broker, topic, values):
    producer = Producer({"bootstrap.servers": broker.bootstrap, "acks": "all", "linger.ms": 2})
    delivered = []
    for value in values:
        producer.produce(topic, value=value,
                         on_delivery=lambda err, msg: delivered.append(err is None and msg.offset()))
    assert producer.flush(30) == 0
    assert all(offset is not False for offset in delivered)
    return delivered


def test_data_survives_clean_stop_and_kill(fresh_broker):
    topic = "durable"
    client = AdminClient({"bootstrap.servers": fresh_broker.bootstrap})
    client.create_topics([NewTopic(topic, 2, 1, config={"retention.ms": "86400000"})])[topic].result(timeout=30)
    first = [f"before-stop-{i}".encode() for i in range(500)]
    produce_all(fresh_broker, topic, first)

    assert fresh_broker.stop() == 0
    assert "broker stopped" in fresh_broker.log_text()
    fresh_broker.start()
    second = [f"before-kill-{i}".encode() for i in range(500)]
    produce_all(fresh_broker, topic, second)

    fresh_broker.kill()
    fresh_broker.start()
    client = AdminClient({"bootstrap.servers": fresh_broker.bootstrap})
    assert len(client.list_topics(timeout=20).topics[topic].partitions) == 2
    messages = consume(fresh_broker, topic, partition=0) + consume(fresh_broker, topic, partition=1)
    by_partition = {}
    for m in messages:
        by_partition.setdefault(m.partition(), []).append((m.offset(), m.value()))
    for partition, entries in by_partition.items():
        assert [o for o, _ in entries] == list(range(len(entries)))
    assert sorted(v for _, v in sum(by_partition.values(), [])) == sorted(first + second)


def test_node_id_mismatch_refuses_to_start(fresh_broker):
    fresh_broker.stop()
    fresh_broker.extra_overrides = ["node.id=2"]
    try:
        fresh_broker.start(timeout=10)
        raised = False
    except RuntimeError as error:
        raised = True
        assert "node.id" in str(error)
    assert raised


def segment_files(broker, topic):
    import os
    return sorted(f for f in os.listdir(os.path.join(broker.log_dir, f"{topic}-0")) if f.endswith(".log"))


def test_topic_config_override_reaches_the_open_log_and_survives_a_restart(fresh_broker):
    from confluent_kafka import KafkaError
    from confluent_kafka.admin import AlterConfigOpType, ConfigEntry, ConfigResource, ResourceType
    topic = "small-segments"
    client = AdminClient({"bootstrap.servers": fresh_broker.bootstrap})
    client.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=30)
    produce_all(fresh_broker, topic, [b"x" * 1000 for _ in range(30)])
    assert len(segment_files(fresh_broker, topic)) == 1  # default segment.bytes: 1 GiB

    alter = ConfigResource(ResourceType.TOPIC, topic, incremental_configs=[
        ConfigEntry("segment.bytes", "8192", incremental_operation=AlterConfigOpType.SET)])
    client.incremental_alter_configs([alter])[alter].result(timeout=30)
    for _ in range(6):  # ~5 KB per round: every round overflows the active 8 KiB segment
        produce_all(fresh_broker, topic, [b"y" * 1000 for _ in range(5)])
    after_alter = len(segment_files(fresh_broker, topic))
    assert after_alter >= 6

    # A batch that could never fit a segment is refused, not retried forever.
    producer = Producer({"bootstrap.servers": fresh_broker.bootstrap, "acks": "all", "linger.ms": 100})
    errors = []
    for _ in range(12):
        producer.produce(topic, value=b"w" * 1000, on_delivery=lambda err, msg: errors.append(err))
    assert producer.flush(30) == 0
    assert {e.code() for e in errors if e is not None} == {KafkaError.RECORD_LIST_TOO_LARGE}

    assert fresh_broker.stop() == 0
    fresh_broker.start()
    for _ in range(6):
        produce_all(fresh_broker, topic, [b"z" * 1000 for _ in range(5)])
    assert len(segment_files(fresh_broker, topic)) >= after_alter + 6
    values = [m.value()[:1] for m in consume(fresh_broker, topic, partition=0)]
    assert values == [b"x"] * 30 + [b"y"] * 30 + [b"z"] * 30


def test_log_start_offset_survives_a_kill_once_checkpointed(fresh_broker):
    from confluent_kafka import Consumer, TopicPartition
    fresh_broker.stop()
    fresh_broker.extra_overrides = ["log.flush.offset.checkpoint.interval.ms=100"]
    fresh_broker.start()
    topic = "trimmed"
    client = AdminClient({"bootstrap.servers": fresh_broker.bootstrap})
    client.create_topics([NewTopic(topic, 1, 1)])[topic].result(timeout=30)
    produce_all(fresh_broker, topic, [f"m{i}".encode() for i in range(20)])
    partition = TopicPartition(topic, 0, 12)
    assert client.delete_records([partition])[partition].result(timeout=30).low_watermark == 12
    time.sleep(1)  # several checkpoint intervals

    fresh_broker.kill()
    fresh_broker.start()
    consumer = Consumer({"bootstrap.servers": fresh_broker.bootstrap, "group.id": "watermarks"})
    try:
        assert consumer.get_watermark_offsets(TopicPartition(topic, 0), timeout=20) == (12, 20)
    finally:
        consumer.close()
    assert [m.offset() for m in consume(fresh_broker, topic, partition=0, offset=12)] == list(range(12, 20))
