"""The Petrel client, through the `petrel` CLI, against third-party clients.

Most tests run twice: against the Petrel broker (the `broker` fixture of conftest.py) and against
librdkafka's built-in mock cluster (`test.mock.num.brokers`), a second, independent implementation of
the broker side. Records produced by `petrel produce` must reach confluent-kafka and kafka-python
byte for byte (keys, values, headers, every codec) and the other way round; keyed records must land on
the partition librdkafka's `murmur2_random` partitioner (the Java client's default) picks; a Petrel
consumer and a confluent-kafka consumer in one group must split the partitions between them.
"""
import json
import os
import pathlib
import subprocess
import time
import uuid

import confluent_kafka
import kafka
import pytest

from client_support import require_group_coordinator

ROOT = pathlib.Path(__file__).resolve().parents[2]
PETREL = pathlib.Path(os.environ.get("PETREL_BIN", ROOT / ".build" / "debug" / "petrel"))
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]


class MockCluster:
    """librdkafka's mock cluster; it lives as long as the client object that created it."""

    def __init__(self):
        self._owner = confluent_kafka.Producer({"test.mock.num.brokers": 1, "log_level": 0})
        broker = next(iter(self._owner.list_topics(timeout=10).brokers.values()))
        self.bootstrap = f"{broker.host}:{broker.port}"
        self.partitions = 4  # the mock auto-creates topics with four partitions

    def create_topic(self, name, partitions):
        assert partitions == self.partitions, "the mock cluster only auto-creates four-partition topics"
        # Metadata with auto-creation makes the mock create it.
        confluent_kafka.Producer({"bootstrap.servers": self.bootstrap}).list_topics(name, timeout=10)


class PetrelCluster:
    def __init__(self, broker):
        self.bootstrap = broker.bootstrap

    def create_topic(self, name, partitions):
        petrel("topic", "create", name, "--partitions", str(partitions), bootstrap=self.bootstrap)


@pytest.fixture(params=["petrel", "mock"])
def cluster(request):
    if request.param == "mock":
        yield MockCluster()
    else:
        yield PetrelCluster(request.getfixturevalue("broker"))


def petrel(*args, bootstrap, stdin=None, timeout=60, check=True):
    result = subprocess.run([str(PETREL), *args, "--bootstrap-server", bootstrap], input=stdin,
                            capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"petrel {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}")
    return result


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def confluent_consume(bootstrap, topic, count, timeout=30):
    """Every partition from the beginning, by assignment (no group coordinator involved)."""
    consumer = confluent_kafka.Consumer({"bootstrap.servers": bootstrap, "group.id": unique("reader"),
                                         "enable.auto.commit": False})
    partitions = consumer.list_topics(topic, timeout=10).topics[topic].partitions
    consumer.assign([confluent_kafka.TopicPartition(topic, p, confluent_kafka.OFFSET_BEGINNING) for p in partitions])
    records = []
    deadline = time.monotonic() + timeout
    while len(records) < count and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            records.append(message)
    consumer.close()
    return records


# Values with every byte but the newline that separates records (and a UTF-8 string).
BINARY_VALUE = bytes(b for b in range(256) if b != 0x0A)


@pytest.mark.parametrize("codec", CODECS)
def test_petrel_produce_reaches_confluent_byte_exact(cluster, codec):
    topic = unique("to-confluent")
    cluster.create_topic(topic, 4)
    lines = [b"key-%d\x1fvalue-%d \xc3\xa9" % (i, i) for i in range(50)] + [b"bin\x1f" + BINARY_VALUE]
    petrel("produce", topic, "--key-separator", "\x1f", "--header", "source=petrel", "--header", "n=1",
           "--compression", codec, bootstrap=cluster.bootstrap, stdin=b"\n".join(lines) + b"\n")
    received = confluent_consume(cluster.bootstrap, topic, len(lines))
    got = {m.key(): (m.value(), m.headers()) for m in received}
    assert len(received) == len(lines)
    for line in lines:
        key, value = line.split(b"\x1f", 1)
        assert got[key] == (value, [("source", b"petrel"), ("n", b"1")])


@pytest.mark.parametrize("codec", CODECS)
def test_confluent_produce_reaches_petrel_consume(cluster, codec):
    topic = unique("from-confluent")
    cluster.create_topic(topic, 4)
    producer = confluent_kafka.Producer({"bootstrap.servers": cluster.bootstrap, "compression.type": codec,
                                         "linger.ms": 5})
    sent = {}
    for i in range(40):
        key = f"k{i}".encode()
        value = None if i % 10 == 9 else f"value {i} \"quoted\"\ttab".encode()
        producer.produce(topic, key=key, value=value, headers=[("h", f"{i}".encode())], timestamp=1_700_000_000_000 + i)
        sent[key.decode()] = (value, i)
    assert producer.flush(30) == 0
    result = petrel("consume", topic, "--from-beginning", "--max-messages", "40", "--format", "json",
                    "--timeout-ms", "20000", bootstrap=cluster.bootstrap)
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(rows) == 40
    for row in rows:
        value, i = sent[row["key"]]
        assert row["value"] == (value.decode() if value is not None else None)
        assert row["headers"] == [{"key": "h", "value": f"{i}"}]
        assert row["timestamp"] == 1_700_000_000_000 + i


def test_keyed_records_land_where_murmur2_random_puts_them(cluster):
    keys = [f"user-{i}".encode() for i in range(200)] + [b"21", b"foobar", b"", b"\xff\x00\x80"]
    reference = {}
    producer = confluent_kafka.Producer({"bootstrap.servers": cluster.bootstrap, "partitioner": "murmur2_random"})
    theirs = unique("murmur-confluent")
    cluster.create_topic(theirs, 4)

    def delivered(error, message):
        assert error is None
        reference[message.key()] = message.partition()

    for key in keys:
        producer.produce(theirs, key=key, value=b"x", on_delivery=delivered)
    assert producer.flush(30) == 0

    ours = unique("murmur-petrel")
    cluster.create_topic(ours, 4)
    # An empty key is a key (hashed), not a null key.
    petrel("produce", ours, "--key-separator", "\t", bootstrap=cluster.bootstrap,
           stdin=b"".join(key + b"\tx\n" for key in keys if b"\n" not in key))
    received = confluent_consume(cluster.bootstrap, ours, len(keys))
    assert {m.key(): m.partition() for m in received} == reference


def test_kafka_python_reads_petrel_records_and_petrel_reads_kafka_python(broker):
    # Petrel broker only: kafka-python cannot parse the mock cluster's ApiVersions answer.
    cluster = PetrelCluster(broker)
    topic = unique("kafka-python")
    cluster.create_topic(topic, 4)
    petrel("produce", topic, "--key-separator", ":", "--compression", "gzip", bootstrap=cluster.bootstrap,
           stdin=b"".join(b"k%d:v%d\n" % (i, i) for i in range(20)))
    consumer = kafka.KafkaConsumer(topic, bootstrap_servers=cluster.bootstrap, auto_offset_reset="earliest",
                                   consumer_timeout_ms=10000)
    got = {m.key: m.value for m in consumer}
    consumer.close()
    assert got == {b"k%d" % i: b"v%d" % i for i in range(20)}

    producer = kafka.KafkaProducer(bootstrap_servers=cluster.bootstrap, compression_type="gzip")
    for i in range(20):
        producer.send(topic, key=b"p%d" % i, value=b"w%d" % i, headers=[("x", b"y")])
    producer.flush()
    producer.close()
    result = petrel("consume", topic, "--from-beginning", "--max-messages", "40", "--format", "key-value",
                    "--timeout-ms", "20000", bootstrap=cluster.bootstrap)
    pairs = set(result.stdout.decode().splitlines())
    assert pairs == {f"k{i}\tv{i}" for i in range(20)} | {f"p{i}\tw{i}" for i in range(20)}


@pytest.mark.parametrize("strategy", ["range", "cooperative-sticky"])
def test_petrel_and_confluent_consumers_share_a_group(broker, strategy):
    # Petrel broker only: the mock cluster advertises SyncGroup v4 but cannot parse it (flexible
    # versions), and answers null assignments during rebalances.
    require_group_coordinator(broker.bootstrap)
    cluster = PetrelCluster(broker)
    topic = unique("shared")
    group = unique("mixed")
    cluster.create_topic(topic, 4)
    petrel_consumer = subprocess.Popen(
        [str(PETREL), "consume", topic, "--group", group, "--from-beginning", "--format", "json",
         "--assignment-strategy", strategy, "--timeout-ms", "15000", "--bootstrap-server", cluster.bootstrap],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    theirs = confluent_kafka.Consumer({
        "bootstrap.servers": cluster.bootstrap, "group.id": group, "auto.offset.reset": "earliest",
        "partition.assignment.strategy": strategy, "heartbeat.interval.ms": 500, "session.timeout.ms": 10000})
    theirs.subscribe([topic])
    # Wait until the group has settled with both members: ours holds some partitions but not all.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        theirs.poll(0.2)
        if 0 < len(theirs.assignment()) < 4:
            break
    else:
        petrel_consumer.kill()
        pytest.fail(f"the group never split the partitions: {theirs.assignment()}")
    confluent_partitions = {p.partition for p in theirs.assignment()}

    producer = confluent_kafka.Producer({"bootstrap.servers": cluster.bootstrap})
    for i in range(200):
        producer.produce(topic, key=f"key-{i}".encode(), value=f"{i}".encode())
    assert producer.flush(30) == 0

    confluent_records = []
    quiet_since = time.monotonic()
    while time.monotonic() - quiet_since < 5:
        message = theirs.poll(0.2)
        if message is not None and message.error() is None:
            confluent_records.append(message)
            quiet_since = time.monotonic()
    theirs.close()
    out, err = petrel_consumer.communicate(timeout=60)
    assert petrel_consumer.returncode == 0, err.decode()
    petrel_rows = [json.loads(line) for line in out.decode().splitlines()]

    petrel_partitions = {row["partition"] for row in petrel_rows}
    assert petrel_partitions and confluent_partitions
    assert petrel_partitions.isdisjoint(confluent_partitions)
    values = sorted([row["value"] for row in petrel_rows] + [m.value().decode() for m in confluent_records], key=int)
    assert values == [str(i) for i in range(200)]
