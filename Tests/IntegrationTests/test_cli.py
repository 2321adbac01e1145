"""`petrel` client commands against the Petrel broker: expected output and exit codes.

Exit codes: 0 on success; 1 with one line on stderr when the operation fails; ArgumentParser's 64 with
usage on stderr when the arguments are wrong.
"""
import json
import os
import pathlib
import subprocess
import time
import uuid

import confluent_kafka
import pytest

from client_support import require_group_coordinator

ROOT = pathlib.Path(__file__).resolve().parents[2]
PETREL = pathlib.Path(os.environ.get("PETREL_BIN", ROOT / ".build" / "debug" / "petrel"))


def run(broker, *args, stdin=None, timeout=60):
    return subprocess.run([str(PETREL), *args, "--bootstrap-server", broker.bootstrap], input=stdin,
                          capture_output=True, timeout=timeout)


def ok(result):
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def failed_with(result, text):
    assert result.returncode == 1
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and text in lines[0], lines
    assert result.stdout == b""


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_topic_lifecycle(broker):
    name = unique("cli-topic")
    assert ok(run(broker, "topic", "create", name, "--partitions", "3", "--config", "retention.ms=3600000")) \
        == f"Created topic {name}.\n"
    assert name in ok(run(broker, "topic", "list")).splitlines()
    lines = ok(run(broker, "topic", "describe", name)).splitlines()
    assert lines[0].startswith(f"Topic: {name}\tTopicId: ")
    assert "\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: retention.ms=3600000" in lines[0]
    assert lines[1:] == [f"\tTopic: {name}\tPartition: {p}\tLeader: 1\tReplicas: 1\tIsr: 1" for p in range(3)]

    assert ok(run(broker, "topic", "alter-config", name, "--set", "cleanup.policy=compact", "--delete",
                  "retention.ms")) == f"Completed updating config for topic {name}.\n"
    assert "Configs: cleanup.policy=compact\n" in ok(run(broker, "topic", "describe", name)).splitlines()[0] + "\n"

    failed_with(run(broker, "topic", "create", name), "TOPIC_ALREADY_EXISTS")
    assert ok(run(broker, "topic", "delete", name)) == f"Deleted topic {name}.\n"
    deadline = time.monotonic() + 10
    while name in ok(run(broker, "topic", "list")).splitlines() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert name not in ok(run(broker, "topic", "list")).splitlines()
    failed_with(run(broker, "topic", "delete", name), "UNKNOWN_TOPIC_OR_PARTITION")
    failed_with(run(broker, "topic", "describe", name), "UNKNOWN_TOPIC_OR_PARTITION")


def test_invalid_topic_and_config_are_reported(broker):
    failed_with(run(broker, "topic", "create", "bad name!"), "INVALID_TOPIC_EXCEPTION")
    name = unique("cli-config")
    ok(run(broker, "topic", "create", name))
    failed_with(run(broker, "topic", "alter-config", name, "--set", "no.such.config=1"), "INVALID_CONFIG")


@pytest.mark.parametrize("args", [
    ["topic", "create"],                                   # missing name
    ["topic", "create", "t", "--partitions", "0"],
    ["topic", "create", "t", "--config", "novalue"],
    ["topic", "alter-config", "t"],                         # nothing to change
    ["produce", "t", "--acks", "2"],
    ["produce", "t", "--compression", "brotli"],
    ["consume", "t", "--offset", "5"],                      # --offset needs --partition
    ["consume", "t", "--from-beginning", "--from-timestamp", "1"],
    ["consume", "t", "--group", "g", "--partition", "0"],
    ["consume", "t", "--format", "xml"],
    ["group", "reset-offsets", "g", "--topic", "t"],        # no target
    ["group", "reset-offsets", "g", "--topic", "t", "--to-datetime", "yesterday"],
    ["topic", "frobnicate"],
])
def test_bad_arguments_print_usage_and_exit_64(broker, args):
    result = run(broker, *args)
    assert result.returncode == 64
    assert "Usage:" in result.stderr.decode() or "Error:" in result.stderr.decode()


def test_unreachable_broker_fails_with_one_line():
    result = subprocess.run([str(PETREL), "topic", "list", "--bootstrap-server", "127.0.0.1:1",
                             "--command-timeout-ms", "1000"], capture_output=True, timeout=60)
    assert result.returncode == 1
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_consume_positions(broker):
    name = unique("cli-positions")
    ok(run(broker, "topic", "create", name, "--partitions", "2"))
    producer = confluent_kafka.Producer({"bootstrap.servers": broker.bootstrap})
    for i in range(10):
        producer.produce(name, value=f"v{i}".encode(), key=b"k", partition=0, timestamp=1_000_000 + i * 1000)
        assert producer.flush(30) == 0  # one batch per record: timestamp lookups need no in-batch search

    def consume(*args):
        out = ok(run(broker, "consume", name, "--format", "json", "--timeout-ms", "3000", *args))
        return [json.loads(line) for line in out.splitlines()]

    everything = consume("--from-beginning")
    assert [r["offset"] for r in everything] == list(range(10))
    assert everything[0] == {"partition": 0, "offset": 0, "timestamp": 1_000_000, "key": "k", "value": "v0",
                             "headers": []}
    assert [r["value"] for r in consume("--partition", "0", "--offset", "7")] == ["v7", "v8", "v9"]
    assert [r["offset"] for r in consume("--from-timestamp", str(1_000_000 + 4500))] == [5, 6, 7, 8, 9]
    assert consume("--partition", "1", "--from-beginning") == []
    assert len(consume("--from-beginning", "--max-messages", "4")) == 4
    value_only = ok(run(broker, "consume", name, "--partition", "0", "--offset", "9", "--max-messages", "1"))
    assert value_only == "v9\n"


def test_produce_options(broker):
    name = unique("cli-produce")
    ok(run(broker, "topic", "create", name, "--partitions", "1"))
    ok(run(broker, "produce", name, "--acks", "1", "--header", "a=1", "--header", "b=", "--partition", "0",
           stdin=b"one\ntwo\n\nthree"))
    ok(run(broker, "produce", name, "--acks", "0", stdin=b"four\n"))
    rows = [json.loads(line) for line in ok(run(broker, "consume", name, "--from-beginning", "--format", "json",
                                                 "--max-messages", "5", "--timeout-ms", "5000")).splitlines()]
    assert [r["value"] for r in rows] == ["one", "two", "", "three", "four"]
    assert rows[0]["headers"] == [{"key": "a", "value": "1"}, {"key": "b", "value": ""}]
    assert rows[0]["key"] is None
    failed_with(run(broker, "produce", name, "--key-separator", ":", stdin=b"no separator here\n"),
                "no key separator on line 1")


def test_cluster_describe(broker):
    lines = ok(run(broker, "cluster", "describe")).splitlines()
    assert lines[0].startswith("Cluster ID: ") and len(lines[0]) > len("Cluster ID: ")
    assert lines[1:] == ["Controller: 1", "Brokers:", f"  1 {broker.bootstrap}"]


def test_group_commands(broker):
    require_group_coordinator(broker.bootstrap)
    name = unique("cli-group-topic")
    group = unique("cli-group")
    ok(run(broker, "topic", "create", name, "--partitions", "2"))
    ok(run(broker, "produce", name, "--key-separator", ":", stdin=b"".join(b"k%d:v%d\n" % (i, i) for i in range(20))))
    consumed = ok(run(broker, "consume", name, "--group", group, "--from-beginning", "--max-messages", "20",
                      "--timeout-ms", "20000"))
    assert sorted(consumed.splitlines()) == sorted(f"v{i}" for i in range(20))
    assert group in ok(run(broker, "group", "list")).splitlines()

    table = ok(run(broker, "group", "describe", group)).splitlines()
    assert table[0].split() == ["GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG",
                                "CONSUMER-ID", "HOST", "CLIENT-ID"]
    rows = [line.split() for line in table[1:]]
    assert sorted(int(r[2]) for r in rows) == [0, 1]
    for r in rows:
        assert r[0] == group and r[1] == name and r[3] == r[4] and r[5] == "0" and r[6] == "-"

    reset = ok(run(broker, "group", "reset-offsets", group, "--topic", name, "--to-earliest")).splitlines()
    assert reset[0].split() == ["GROUP", "TOPIC", "PARTITION", "NEW-OFFSET"]
    assert [r.split()[3] for r in reset[1:]] == ["0", "0"]
    lags = [line.split() for line in ok(run(broker, "group", "describe", group)).splitlines()[1:]]
    assert sum(int(r[5]) for r in lags) == 20
    ok(run(broker, "group", "reset-offsets", group, "--topic", name, "--to-offset", "3"))
    assert {line.split()[3] for line in ok(run(broker, "group", "describe", group)).splitlines()[1:]} == {"3"}
    again = ok(run(broker, "consume", name, "--group", group, "--max-messages", "14", "--timeout-ms", "20000"))
    assert len(again.splitlines()) == 14
    ok(run(broker, "group", "reset-offsets", group, "--topic", name, "--to-latest"))

    assert ok(run(broker, "group", "delete", group)) == \
        f"Deletion of requested consumer groups ('{group}') was successful.\n"
    assert group not in ok(run(broker, "group", "list")).splitlines()
