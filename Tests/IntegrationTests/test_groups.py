"""Consumer groups end to end: the classic protocol's rebalances (eager and cooperative-sticky), member
failure by session timeout, static membership, committed offsets across broker and consumer restarts,
kafka-python's group consumer, and the admin APIs (list/describe/delete groups, group offsets, lag)."""
import json
import signal
import subprocess
import sys
import threading
import time
import uuid

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient

from test_confluent import create_topic, produce

SESSION = {"session.timeout.ms": 6000, "heartbeat.interval.ms": 500}


def group_consumer(broker, group, **config):
    return Consumer({"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False,
                     "auto.offset.reset": "earliest", **SESSION, **config})


def owned(consumer):
    return {tp.partition for tp in consumer.assignment()}


def poll_until(consumers, condition, timeout=45):
    """Polls every consumer until `condition()` holds; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for consumer in consumers:
            consumer.poll(0.05)
        if condition():
            return
    raise AssertionError("condition not reached")


CHILD = """
import json, sys
from confluent_kafka import Consumer
config = json.loads(sys.argv[1])
consumer = Consumer(config)
consumer.subscribe([sys.argv[2]])
last = None
while True:
    consumer.poll(0.05)
    now = sorted(tp.partition for tp in consumer.assignment())
    if now != last:
        print(json.dumps(now), flush=True)
        last = now
"""


class ChildConsumer:
    """A group member in its own process, reporting its assignment; `kill()` drops it without a LeaveGroup."""

    def __init__(self, broker, group, topic, **config):
        full = {"bootstrap.servers": broker.bootstrap, "group.id": group, "enable.auto.commit": False, **SESSION,
                **config}
        self.process = subprocess.Popen([sys.executable, "-c", CHILD, json.dumps(full), topic],
                                        stdout=subprocess.PIPE, text=True)
        self.assignment = set()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.assignment = set(json.loads(line))

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def test_three_members_share_partitions_and_a_dead_member_is_replaced(broker, topic_name):
    create_topic(broker, topic_name, partitions=6)
    group = f"g-{uuid.uuid4()}"
    strategy = {"partition.assignment.strategy": "cooperative-sticky"}
    child = ChildConsumer(broker, group, topic_name, **strategy)
    members = [group_consumer(broker, group, **strategy) for _ in range(2)]
    try:
        for consumer in members:
            consumer.subscribe([topic_name])

        def shared_by_three():
            sets = [owned(c) for c in members] + [child.assignment]
            return all(sets) and sum(map(len, sets)) == 6 and set().union(*sets) == set(range(6))
        poll_until(members, shared_by_three)
        before = [owned(c) for c in members]

        child.kill()  # no LeaveGroup: the coordinator must notice the missing heartbeats

        def shared_by_two():
            sets = [owned(c) for c in members]
            return sum(map(len, sets)) == 6 and set().union(*sets) == set(range(6))
        poll_until(members, shared_by_two)
        after = [owned(c) for c in members]
        for kept, now in zip(before, after):
            assert kept <= now, "cooperative-sticky: survivors keep their partitions"
    finally:
        child.kill()
        for consumer in members:
            consumer.close()


def consume_values(consumer, count, timeout=30):
    values = []
    deadline = time.monotonic() + timeout
    while len(values) < count and time.monotonic() < deadline:
        message = consumer.poll(0.2)
        if message is not None and message.error() is None:
            values.append((message.offset(), message.value()))
    return values


def test_committed_offsets_survive_broker_and_consumer_restart(fresh_broker):
    topic = "committed"
    create_topic(fresh_broker, topic)
    produce(fresh_broker, topic, [(None, f"m{i}".encode()) for i in range(30)])
    group = "restart-group"

    first = group_consumer(fresh_broker, group)
    first.subscribe([topic])
    read = consume_values(first, 12)
    assert [offset for offset, _ in read] == list(range(12))
    first.commit(offsets=[TopicPartition(topic, 0, 10)], asynchronous=False)
    first.close()

    assert fresh_broker.stop() == 0
    fresh_broker.start()

    second = group_consumer(fresh_broker, group)
    second.subscribe([topic])
    rest = consume_values(second, 20)
    assert [offset for offset, _ in rest] == list(range(10, 30)), "resumes exactly at the committed offset"
    assert rest[0][1] == b"m10"
    assert second.committed([TopicPartition(topic, 0)], timeout=20)[0].offset == 10
    second.commit(asynchronous=False)
    second.close()

    third = group_consumer(fresh_broker, group)
    third.subscribe([topic])
    assert third.committed([TopicPartition(topic, 0)], timeout=20)[0].offset == 30
    assert consume_values(third, 1, timeout=5) == [], "nothing re-read after the last commit"
    third.close()


def test_static_member_rejoins_without_rebalance(broker, topic_name):
    create_topic(broker, topic_name, partitions=4)
    group = f"static-{uuid.uuid4()}"
    assignments = {"stays": 0}

    def counted(consumer, partitions):
        assignments["stays"] += 1

    stays = group_consumer(broker, group, **{"group.instance.id": "stays"})
    stays.subscribe([topic_name], on_assign=counted)
    goes = group_consumer(broker, group, **{"group.instance.id": "goes"})
    goes.subscribe([topic_name])
    poll_until([stays, goes], lambda: len(owned(stays)) == 2 and len(owned(goes)) == 2)
    kept, rejoin_partitions = owned(stays), owned(goes)
    count = assignments["stays"]
    goes.close()  # a static member leaves no LeaveGroup behind

    back = group_consumer(broker, group, **{"group.instance.id": "goes"})
    back.subscribe([topic_name])
    poll_until([stays, back], lambda: owned(back) == rejoin_partitions)
    for _ in range(20):
        stays.poll(0.05)
    assert owned(stays) == kept
    assert assignments["stays"] == count, "the other member saw no rebalance"
    client = AdminClient({"bootstrap.servers": broker.bootstrap})  # must outlive its futures
    members = client.describe_consumer_groups([group])[group].result(timeout=20).members
    assert sorted(m.group_instance_id for m in members) == ["goes", "stays"]
    back.close()
    stays.close()


def test_kafka_python_group_consumer(broker, topic_name):
    from kafka import KafkaConsumer, TopicPartition as KTopicPartition
    create_topic(broker, topic_name, partitions=2)
    produce(broker, topic_name, [(f"k{i}".encode(), f"v{i}".encode()) for i in range(20)])
    group = f"kp-{uuid.uuid4()}"
    consumer = KafkaConsumer(topic_name, bootstrap_servers=broker.bootstrap, group_id=group,
                             auto_offset_reset="earliest", enable_auto_commit=False, consumer_timeout_ms=15000,
                             session_timeout_ms=6000, heartbeat_interval_ms=500)
    values = set()
    for message in consumer:
        values.add(message.value)
        if len(values) == 20:
            break
    assert values == {f"v{i}".encode() for i in range(20)}
    assert {tp.partition for tp in consumer.assignment()} == {0, 1}
    consumer.commit()
    committed = sum(consumer.committed(KTopicPartition(topic_name, p)) for p in (0, 1))
    assert committed == 20
    consumer.close()


def test_admin_lists_describes_offsets_lag_and_deletes_groups(broker, topic_name):
    create_topic(broker, topic_name, partitions=2)
    produce(broker, topic_name, [(f"k{i}".encode(), b"x") for i in range(40)])
    group = f"admin-{uuid.uuid4()}"
    consumer = group_consumer(broker, group)
    consumer.subscribe([topic_name])
    poll_until([consumer], lambda: owned(consumer) == {0, 1})
    consumer.commit(offsets=[TopicPartition(topic_name, 0, 3), TopicPartition(topic_name, 1, 5)],
                    asynchronous=False)
    client = AdminClient({"bootstrap.servers": broker.bootstrap})

    listed = client.list_consumer_groups().result(timeout=20)
    assert group in {g.group_id for g in listed.valid}
    description = client.describe_consumer_groups([group])[group].result(timeout=20)
    assert str(description.state).endswith("STABLE")
    assert len(description.members) == 1
    assert {tp.partition for tp in description.members[0].assignment.topic_partitions} == {0, 1}

    request = ConsumerGroupTopicPartitions(group)
    offsets = client.list_consumer_group_offsets([request])[group].result(timeout=20)
    committed = {tp.partition: tp.offset for tp in offsets.topic_partitions if tp.topic == topic_name}
    assert committed == {0: 3, 1: 5}
    lag = 0
    for partition, offset in committed.items():
        low, high = consumer.get_watermark_offsets(TopicPartition(topic_name, partition), timeout=20)
        lag += high - offset
    assert lag == 40 - 8

    # A group with members cannot be deleted; once empty it can, and its offsets go with it.
    refused = client.delete_consumer_groups([group])[group]
    assert refused.exception(timeout=20) is not None
    consumer.close()
    client.delete_consumer_groups([group])[group].result(timeout=20)
    assert group not in {g.group_id for g in client.list_consumer_groups().result(timeout=20).valid}
    offsets = client.list_consumer_group_offsets([ConsumerGroupTopicPartitions(group)])[group].result(timeout=20)
    assert all(tp.offset < 0 for tp in offsets.topic_partitions)
