"""kafka-python (pure Python client): admin, producer and consumer round trip."""
import uuid

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic


def test_admin_producer_consumer_round_trip(broker):
    topic = f"kafka-python-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=broker.bootstrap, request_timeout_ms=20000)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
        assert topic in admin.list_topics()
    finally:
        admin.close()

    producer = KafkaProducer(bootstrap_servers=broker.bootstrap, acks="all", linger_ms=5)
    sent = []
    for i in range(100):
        metadata = producer.send(topic, key=f"k{i}".encode(), value=f"v{i}".encode(), partition=i % 2,
                                 headers=[("h", f"{i}".encode())]).get(timeout=20)
        sent.append((metadata.partition, metadata.offset))
    producer.close()
    assert sorted(o for p, o in sent if p == 0) == list(range(50))

    consumer = KafkaConsumer(bootstrap_servers=broker.bootstrap, group_id=None, enable_auto_commit=False,
                             consumer_timeout_ms=5000, auto_offset_reset="earliest")
    partitions = [TopicPartition(topic, 0), TopicPartition(topic, 1)]
    consumer.assign(partitions)
    consumer.seek_to_beginning()
    received = {}
    for message in consumer:
        received[(message.partition, message.offset)] = (message.key, message.value, message.headers)
        if len(received) == 100:
            break
    consumer.close()
    assert len(received) == 100
    for i in range(100):
        assert received[(i % 2, i // 2)] == (f"k{i}".encode(), f"v{i}".encode(), [("h", f"{i}".encode())])
