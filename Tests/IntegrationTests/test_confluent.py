"""confluent-kafka (librdkafka 2.x): producers with every codec and acks level, idempotence,
consumer assign/seek/offsets_for_times, the AdminClient, and error cases."""
import time
import uuid

import pytest
from confluent_kafka import (Consumer, KafkaError, KafkaException, Producer, TopicPartition,
                             TIMESTAMP_LOG_APPEND_TIME)
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                   NewPartitions, NewTopic, ResourceType)


def admin(broker):
    return AdminClient({"bootstrap.servers": broker.bootstrap})


def create_topic(broker, name, partitions=1, config=None):
    client = admin(broker)  # must outlive the future
    futures = client.create_topics([NewTopic(name, num_partitions=partitions, replication_factor=1,
                                             config=config or {})])
    futures[name].result(timeout=30)


def produce(broker, topic, messages, **config):
    delivered = []
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5, **config})

    def on_delivery(err, msg):
        assert err is None, err
        delivered.append((msg.partition(), msg.offset()))

    for key, value in messages:
        producer.produce(topic, key=key, value=value, on_delivery=on_delivery)
    assert producer.flush(30) == 0
    return delivered


def consume(broker, topic, partition=0, offset=0, count=None, timeout=20):
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"it-{uuid.uuid4()}",
                         "enable.auto.commit": False, "enable.partition.eof": True})
    consumer.assign([TopicPartition(topic, partition, offset)])
    out = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() == KafkaError._PARTITION_EOF:
                    if count is None or len(out) >= count:
                        break
                    continue
                raise KafkaException(msg.error())
            out.append(msg)
            if count is not None and len(out) >= count:
                break
    finally:
        consumer.close()
    return out


@pytest.mark.parametrize("codec", ["none", "gzip", "snappy", "lz4", "zstd"])
@pytest.mark.parametrize("acks", ["0", "1", "all"])
def test_every_codec_and_acks_level_round_trips(broker, topic_name, codec, acks):
    create_topic(broker, topic_name)
    messages = [(f"k{i}".encode(), (f"value-{i}-" * (i % 50 + 1)).encode()) for i in range(300)]
    produce(broker, topic_name, messages, **{"compression.type": codec, "acks": acks})
    got = consume(broker, topic_name, count=len(messages))
    assert [(m.key(), m.value()) for m in got] == messages
    assert [m.offset() for m in got] == list(range(len(messages)))


def test_idempotent_producer_gets_contiguous_offsets(broker, topic_name):
    create_topic(broker, topic_name, partitions=3)
    messages = [(f"k{i}".encode(), f"v{i}".encode()) for i in range(600)]
    delivered = produce(broker, topic_name, messages, **{"enable.idempotence": True})
    for partition in range(3):
        offsets = sorted(o for p, o in delivered if p == partition)
        assert offsets == list(range(len(offsets)))
    assert sum(len(consume(broker, topic_name, partition=p)) for p in range(3)) == 600


def test_consumer_seek_and_offsets_for_times(broker, topic_name):
    create_topic(broker, topic_name)
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    base = int(time.time() * 1000) - 100_000
    for i in range(50):
        producer.produce(topic_name, value=f"m{i}".encode(), timestamp=base + i * 1000)
        if i % 10 == 9:
            producer.flush(10)  # batches of ten: the answer lies inside a batch, as Kafka finds it
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"it-{uuid.uuid4()}",
                         "enable.auto.commit": False})
    try:
        found = consumer.offsets_for_times([TopicPartition(topic_name, 0, base + 24_500)], timeout=20)
        assert found[0].offset == 25
        low, high = consumer.get_watermark_offsets(TopicPartition(topic_name, 0), timeout=20)
        assert (low, high) == (0, 50)
    finally:
        consumer.close()
    got = consume(broker, topic_name, offset=40)
    assert [m.value() for m in got] == [f"m{i}".encode() for i in range(40, 50)]


def test_log_append_time_topic_stamps_batches(broker, topic_name):
    create_topic(broker, topic_name, config={"message.timestamp.type": "LogAppendTime"})
    before = int(time.time() * 1000)
    produce(broker, topic_name, [(None, b"a"), (None, b"b")])
    got = consume(broker, topic_name, count=2)
    for msg in got:
        kind, ts = msg.timestamp()
        assert kind == TIMESTAMP_LOG_APPEND_TIME
        assert before - 5000 <= ts <= int(time.time() * 1000) + 5000


def test_admin_create_describe_alter_and_delete(broker, topic_name):
    client = admin(broker)
    create_topic(broker, topic_name, partitions=2, config={"retention.ms": "3600000"})
    metadata = client.list_topics(timeout=20)
    assert len(metadata.topics[topic_name].partitions) == 2

    client.create_partitions([NewPartitions(topic_name, 5)])[topic_name].result(timeout=30)
    assert len(client.list_topics(timeout=20).topics[topic_name].partitions) == 5

    resource = ConfigResource(ResourceType.TOPIC, topic_name)
    configs = client.describe_configs([resource])[resource].result(timeout=30)
    assert configs["retention.ms"].value == "3600000"
    assert configs["retention.ms"].source == 1  # DYNAMIC_TOPIC_CONFIG
    assert configs["segment.bytes"].value == "1073741824"
    assert configs["segment.bytes"].source == 5  # DEFAULT_CONFIG

    alter = ConfigResource(ResourceType.TOPIC, topic_name, incremental_configs=[
        ConfigEntry("cleanup.policy", "compact", incremental_operation=AlterConfigOpType.SET)])
    client.incremental_alter_configs([alter])[alter].result(timeout=30)
    configs = client.describe_configs([resource])[resource].result(timeout=30)
    assert configs["cleanup.policy"].value == "compact"
    assert configs["retention.ms"].value == "3600000"

    client.delete_topics([topic_name])[topic_name].result(timeout=30)
    assert topic_name not in client.list_topics(timeout=20).topics


def test_describe_cluster_and_broker_configs(broker):
    client = admin(broker)
    cluster = client.describe_cluster().result(timeout=30)
    assert len(cluster.cluster_id) == 22
    assert [n.id for n in cluster.nodes] == [1]
    resource = ConfigResource(ResourceType.BROKER, "1")
    configs = client.describe_configs([resource])[resource].result(timeout=30)
    assert configs["listeners"].value == f"PLAINTEXT://127.0.0.1:{broker.port}"
    assert configs["listeners"].source == 4  # STATIC_BROKER_CONFIG
    assert configs["num.partitions"].value == "1"


def test_delete_records_moves_the_low_watermark(broker, topic_name):
    create_topic(broker, topic_name)
    produce(broker, topic_name, [(None, f"v{i}".encode()) for i in range(10)])
    client = admin(broker)
    result = client.delete_records([TopicPartition(topic_name, 0, 5)])
    deleted = result[TopicPartition(topic_name, 0, 5)].result(timeout=30)
    assert deleted.low_watermark == 5
    consumer = Consumer({"bootstrap.servers": broker.bootstrap, "group.id": f"it-{uuid.uuid4()}"})
    try:
        assert consumer.get_watermark_offsets(TopicPartition(topic_name, 0), timeout=20) == (5, 10)
    finally:
        consumer.close()


def test_invalid_topic_config_is_rejected_naming_the_key(broker, topic_name):
    client = admin(broker)
    futures = client.create_topics([NewTopic(topic_name, 1, 1, config={"segment.bytes": "-3"})])
    with pytest.raises(KafkaException) as error:
        futures[topic_name].result(timeout=30)
    assert error.value.args[0].code() == KafkaError.INVALID_CONFIG
    assert "segment.bytes" in error.value.args[0].str()


def test_invalid_topic_names_are_rejected(broker):
    client = admin(broker)
    for name in ["bad name", "x" * 250, "..", "a/b"]:
        futures = client.create_topics([NewTopic(name, 1, 1)])
        with pytest.raises(KafkaException) as error:
            futures[name].result(timeout=30)
        assert error.value.args[0].code() == KafkaError.TOPIC_EXCEPTION


def test_creating_an_existing_topic_fails(broker, topic_name):
    create_topic(broker, topic_name)
    with pytest.raises(KafkaException) as error:
        create_topic(broker, topic_name)
    assert error.value.args[0].code() == KafkaError.TOPIC_ALREADY_EXISTS


def test_oversized_message_is_rejected(broker, topic_name):
    create_topic(broker, topic_name, config={"max.message.bytes": "10000"})
    producer = Producer({"bootstrap.servers": broker.bootstrap, "message.max.bytes": 1_000_000})
    errors = []
    producer.produce(topic_name, value=b"x" * 50_000, on_delivery=lambda err, msg: errors.append(err))
    producer.flush(30)
    assert errors and errors[0] is not None
    assert errors[0].code() == KafkaError.MSG_SIZE_TOO_LARGE


def test_compacted_topic_rejects_records_without_key(broker, topic_name):
    create_topic(broker, topic_name, config={"cleanup.policy": "compact"})
    producer = Producer({"bootstrap.servers": broker.bootstrap, "message.send.max.retries": 0})
    results = []
    producer.produce(topic_name, key=b"k", value=b"kept", on_delivery=lambda err, msg: results.append(err))
    producer.flush(30)
    producer.produce(topic_name, value=b"no key", on_delivery=lambda err, msg: results.append(err))
    producer.flush(30)
    assert results[0] is None
    assert results[1] is not None and results[1].code() == KafkaError.INVALID_RECORD


def test_internal_topics_refuse_client_writes_and_deletes(broker):
    offsets_topic = "__consumer_offsets"
    client = admin(broker)
    assert offsets_topic in client.list_topics(timeout=20).topics

    producer = Producer({"bootstrap.servers": broker.bootstrap, "retries": 0})
    errors = []
    producer.produce(offsets_topic, value=b"forged", partition=0, on_delivery=lambda err, msg: errors.append(err))
    assert producer.flush(30) == 0
    assert [e.code() for e in errors] == [KafkaError.TOPIC_EXCEPTION]

    with pytest.raises(KafkaException) as deleted:
        client.delete_topics([offsets_topic])[offsets_topic].result(timeout=30)
    assert deleted.value.args[0].code() == KafkaError.TOPIC_EXCEPTION
    with pytest.raises(KafkaException) as truncated:
        client.delete_records([TopicPartition(offsets_topic, 0, 0)])[TopicPartition(offsets_topic, 0, 0)].result(timeout=30)
    assert truncated.value.args[0].code() == KafkaError.TOPIC_EXCEPTION
    assert offsets_topic in client.list_topics(timeout=20).topics
