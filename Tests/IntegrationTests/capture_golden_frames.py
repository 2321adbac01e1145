"""Captures golden frames for PetrelProtocolTests: real client requests and Petrel's responses.

Starts `petrel broker` (conftest.Broker: .build/debug/petrel unless PETREL_BIN is set) with its
advertised listener pointing at a loopback proxy, so every connection a client opens (bootstrap,
partition leader, group coordinator) goes through the proxy. The proxy forwards bytes unchanged and
records each request frame with the response frame that answers it (same connection, same
correlation id). Through it run:

  kcat (librdkafka 2.0.2): producers without compression and with zstd, an idempotent producer, a
      simple consumer (ListOffsets, Fetch) and a balanced consumer (FindCoordinator, JoinGroup,
      SyncGroup, Heartbeat, OffsetFetch, OffsetCommit, LeaveGroup);
  confluent-kafka 2.16.1 (librdkafka 2.16): AdminClient CreateTopics and DescribeConfigs, a
      producer per compression codec, an idempotent producer, and a group consumer with explicit
      commits.
librdkafka before 2.8 sends gzip, snappy and lz4 batches uncompressed to a broker whose lowest
Produce version is 3 (KIP-896, as Kafka 4 and Petrel advertise): it logs "Broker does not support
compression type gzip: not compressing batch" (librdkafka issue #4956). So kcat -z gzip|snappy|lz4
would capture plain batches, and those three codecs come from confluent-kafka only.

For each (api, version, variant) one exchange is kept, kcat's when both clients sent that version,
preferring one that succeeded (error code 0, a Fetch that returned records). Written:
  Tests/PetrelProtocolTests/GoldenFrames/<client>-<api>[-<variant>]-v<N>-<request|response>.bin
      frame bodies without the 4-byte size prefix;
  Tests/PetrelProtocolTests/GoldenFrames/manifest.json
      per exchange: client and library versions, api key and version, both files, and what this
      tool sent (topic, group, codec, records) for the tests to check the decoded frames against;
  Tests/FuzzCorpus/request-decoder/golden-<client>-<api>[-<variant>]-v<N>.bin
      every request frame again, as a seed for the request-decoder fuzzer.

Usage (`make golden-frames`): swift build && python3 Tests/IntegrationTests/capture_golden_frames.py
A new capture differs from the committed one in timestamps, CRCs, member ids and producer ids.
"""
import json
import os
import pathlib
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

import confluent_kafka
from confluent_kafka import Consumer, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic, ResourceType

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from conftest import ROOT, Broker  # noqa: E402
from kafka_python_codec import message_classes  # noqa: E402

FIXTURES = ROOT / "Tests" / "PetrelProtocolTests" / "GoldenFrames"
CORPUS = ROOT / "Tests" / "FuzzCorpus" / "request-decoder"
CODECS = ["none", "gzip", "snappy", "lz4", "zstd"]
CLIENTS = ["kcat", "confluent"]
# Per client, the produce variants: a topic and a producer each (see the librdkafka note above).
PRODUCE_VARIANTS = {"kcat": ["none", "zstd", "idempotent"], "confluent": CODECS + ["idempotent"]}
TOPIC_CONFIG = {"retention.ms": "3600000"}
TIMEOUT = 30


def topic(client, variant):
    return f"{client}-{variant}"


TOPICS = [topic(client, variant) for client in CLIENTS for variant in PRODUCE_VARIANTS[client]]


def records(client, variant):
    """Three compressible records per producer, so every codec really compresses something."""
    return [[f"key-{i}", f"{client} {variant} record {i}: " + "petrel golden frame " * 4] for i in range(3)]


def read_frame(sock):
    """One size-prefixed frame body, or None at end of stream."""
    header = read_exactly(sock, 4)
    if header is None:
        return None
    return read_exactly(sock, struct.unpack(">i", header)[0])


def read_exactly(sock, count):
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


class RecordingProxy:
    """Forwards loopback connections to the broker and records request/response frame pairs."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.scenario = None  # set by run_scenario; connections keep the one current at accept
        self.exchanges = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port))
            pending = {}
            scenario = self.scenario
            threading.Thread(target=self._forward_requests, args=(client, upstream, pending, scenario),
                             daemon=True).start()
            threading.Thread(target=self._forward_responses, args=(upstream, client, pending), daemon=True).start()

    def _forward_requests(self, client, upstream, pending, scenario):
        try:
            while (frame := read_frame(client)) is not None:
                api_key, api_version, correlation_id = struct.unpack(">hhi", frame[:8])
                exchange = {"scenario": scenario, "api_key": api_key, "version": api_version,
                            "request": frame, "response": None}
                with self.lock:
                    self.exchanges.append(exchange)
                    pending[correlation_id] = exchange
                upstream.sendall(struct.pack(">i", len(frame)) + frame)
        except OSError:
            pass
        finally:
            close_both(client, upstream)

    def _forward_responses(self, upstream, client, pending):
        try:
            while (frame := read_frame(upstream)) is not None:
                correlation_id = struct.unpack(">i", frame[:4])[0]
                with self.lock:
                    exchange = pending.pop(correlation_id, None)
                if exchange is not None:
                    exchange["response"] = frame
                client.sendall(struct.pack(">i", len(frame)) + frame)
        except OSError:
            pass
        finally:
            close_both(client, upstream)

    def close(self):
        self.listener.close()


def close_both(*sockets):
    for s in sockets:
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


def kcat(bootstrap, *args, stdin=b""):
    result = subprocess.run(["kcat", "-b", bootstrap, *args], input=stdin, capture_output=True, timeout=TIMEOUT)
    if result.returncode != 0:
        raise RuntimeError(f"kcat {' '.join(args)} exited {result.returncode}: {result.stderr.decode()}")
    return result.stdout.decode()


def kcat_produce(bootstrap, variant, codec, extra=()):
    lines = "".join(f"{key}\t{value}\n" for key, value in records("kcat", variant))
    kcat(bootstrap, "-P", "-t", topic("kcat", variant), "-K", "\t", "-z", codec, "-X", "linger.ms=200", *extra,
         stdin=lines.encode())


def kcat_simple_consumer(bootstrap):
    out = kcat(bootstrap, "-C", "-t", topic("kcat", "none"), "-o", "beginning", "-e", "-q")
    expect_values(out, records("kcat", "none"))


def kcat_group_consumer(bootstrap):
    """Runs the balanced consumer long enough to heartbeat and auto-commit, then stops it with SIGINT
    (kcat then closes the consumer: final commit and LeaveGroup)."""
    process = subprocess.Popen(
        ["kcat", "-b", bootstrap, "-G", "kcat-group", topic("kcat", "none"), "-q",
         "-X", "auto.offset.reset=earliest", "-X", "heartbeat.interval.ms=200", "-X", "session.timeout.ms=6000",
         "-X", "auto.commit.interval.ms=200"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(6)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=TIMEOUT)
    expect_values(out.decode(), records("kcat", "none"))


def expect_values(output, sent):
    missing = [value for _, value in sent if value not in output]
    if missing:
        raise RuntimeError(f"consumer did not print {missing}; got {output!r}")


def confluent_admin(bootstrap):
    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, num_partitions=1, replication_factor=1, config=TOPIC_CONFIG)
                                   for name in TOPICS])
    for future in futures.values():
        future.result(TIMEOUT)
    described = admin.describe_configs([ConfigResource(ResourceType.TOPIC, topic("confluent", "none"))])
    for future in described.values():
        configs = future.result(TIMEOUT)
        if configs["retention.ms"].value != TOPIC_CONFIG["retention.ms"]:
            raise RuntimeError(f"DescribeConfigs returned retention.ms={configs['retention.ms'].value}")


def confluent_produce(bootstrap, variant, codec, extra=None):
    producer = Producer({"bootstrap.servers": bootstrap, "compression.type": codec, "linger.ms": 200,
                         **(extra or {})})
    errors = []
    for key, value in records("confluent", variant):
        producer.produce(topic("confluent", variant), key=key, value=value,
                         on_delivery=lambda error, _: error and errors.append(error))
    if producer.flush(TIMEOUT) != 0 or errors:
        raise RuntimeError(f"confluent-kafka produce failed: {errors}")


def confluent_group_consumer(bootstrap):
    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": "confluent-group",
                         "auto.offset.reset": "earliest", "enable.auto.commit": False,
                         "heartbeat.interval.ms": 200, "session.timeout.ms": 6000})
    consumer.subscribe([topic("confluent", "none")])
    values = []
    deadline = time.monotonic() + TIMEOUT
    while len(values) < 3 and time.monotonic() < deadline:
        message = consumer.poll(0.5)
        if message is not None and message.error() is None:
            values.append(message.value().decode())
    expect_values("\n".join(values), records("confluent", "none"))
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition(topic("confluent", "none"), 0)], timeout=TIMEOUT)
    if committed[0].offset != 3:
        raise RuntimeError(f"committed offset {committed[0].offset}, expected 3")
    # Keep polling past a few heartbeat intervals, then leave the group.
    until = time.monotonic() + 2
    while time.monotonic() < until:
        consumer.poll(0.2)
    consumer.close()


def client_versions():
    match = re.search(r"Version (\S+) .*librdkafka (\S+)", subprocess.run(
        ["kcat", "-V"], capture_output=True, text=True).stdout)
    return {"kcat": {"clientVersion": f"kcat {match.group(1)}", "librdkafka": match.group(2)},
            "confluent": {"clientVersion": f"confluent-kafka {confluent_kafka.__version__}",
                          "librdkafka": confluent_kafka.libversion()[0]}}


def scenarios(bootstrap):
    """(client, name, facts, action) in run order; facts are what the tests check the frames against."""
    out = [("confluent", "admin", {"topics": TOPICS, "config": TOPIC_CONFIG, "topic": topic("confluent", "none")},
            lambda: confluent_admin(bootstrap))]
    idempotence = {"kcat": ("-X", "enable.idempotence=true"), "confluent": {"enable.idempotence": True}}
    for client, produce in (("kcat", kcat_produce), ("confluent", confluent_produce)):
        for variant in PRODUCE_VARIANTS[client]:
            codec = "none" if variant == "idempotent" else variant
            facts = {"topic": topic(client, variant), "codec": codec, "records": records(client, variant),
                     "idempotent": variant == "idempotent"}
            extra = idempotence[client] if variant == "idempotent" else None
            out.append((client, f"produce-{variant}", facts,
                        lambda produce=produce, variant=variant, codec=codec, extra=extra:
                        produce(bootstrap, variant, codec, *([extra] if extra else []))))
    # The consumers read what the uncompressed producers wrote.
    consumed = {"records": records("kcat", "none"), "topic": topic("kcat", "none"), "codec": "none"}
    out.append(("kcat", "simple-consumer", consumed, lambda: kcat_simple_consumer(bootstrap)))
    out.append(("kcat", "group-consumer", {**consumed, "group": "kcat-group"}, lambda: kcat_group_consumer(bootstrap)))
    out.append(("confluent", "group-consumer", {"topic": topic("confluent", "none"), "group": "confluent-group",
                                                "records": records("confluent", "none"), "codec": "none"},
                lambda: confluent_group_consumer(bootstrap)))
    return out


# What every capture must contain: (api name, produce variant or None).
REQUIRED = [("ApiVersions", None), ("Metadata", None), *[("Produce", codec) for codec in CODECS],
            ("Fetch", None), ("ListOffsets", None), ("FindCoordinator", None), ("JoinGroup", None),
            ("SyncGroup", None), ("Heartbeat", None), ("OffsetCommit", None), ("OffsetFetch", None),
            ("LeaveGroup", None), ("InitProducerId", None), ("CreateTopics", None), ("DescribeConfigs", None)]


class KafkaPython:
    """kafka-python's message classes, used only to judge which exchange to keep."""

    def __init__(self):
        classes = message_classes()
        self.names = {cls.API_KEY: name[:-len("Request")] for name, cls in classes.items() if name.endswith("Request")}
        self.classes = classes

    def decode(self, name, frame, version):
        try:
            return self.classes[name].decode(frame, version=version, header=True)
        except Exception:  # kafka-python lacks this version or the frame is odd: no opinion
            return None

    def succeeded(self, api, exchange):
        """Whether the response reports success (and, for Fetch, carries records; for Metadata, the
        request names its topics). Unknown means yes: the Swift tests check the kept frames."""
        version = exchange["version"]
        response = self.decode(api + "Response", exchange["response"], version)
        if response is None:
            return True
        if getattr(response, "error_code", 0) not in (0, None):
            return False
        if api == "Fetch":
            return any(partition.records for topic_ in response.responses for partition in topic_.partitions)
        if api == "Produce":
            return all(partition.error_code == 0 for topic_ in response.responses
                       for partition in topic_.partition_responses)
        if api == "Metadata":
            request = self.decode("MetadataRequest", exchange["request"], version)
            return request is None or bool(request.topics)
        return True


def select(exchanges, kafka_python):
    """One exchange per (api key, version, variant): kcat's before confluent-kafka's, a successful one first."""
    groups = {}
    for exchange in sorted(exchanges, key=lambda e: CLIENTS.index(e["scenario"][0])):
        if exchange["response"] is None or exchange["api_key"] not in kafka_python.names:
            continue
        api = kafka_python.names[exchange["api_key"]]
        scenario = exchange["scenario"][1]
        variant = scenario[len("produce-"):] if api == "Produce" and scenario.startswith("produce-") else None
        groups.setdefault((exchange["api_key"], exchange["version"], variant), (api, []))[1].append(exchange)
    chosen = []
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2] or "")):
        api, candidates = groups[key]
        variant = key[2]
        exchange = next((e for e in candidates if kafka_python.succeeded(api, e)), candidates[0])
        chosen.append((api, variant, exchange))
    return chosen


def write(chosen, versions):
    FIXTURES.mkdir(parents=True, exist_ok=True)
    for old in list(FIXTURES.glob("*.bin")) + list(CORPUS.glob("golden-*.bin")):
        old.unlink()
    manifest = []
    for api, variant, exchange in chosen:
        client, scenario, facts = exchange["scenario"]
        stem = f"{client}-{api.lower()}{'-' + variant if variant else ''}-v{exchange['version']}"
        (FIXTURES / f"{stem}-request.bin").write_bytes(exchange["request"])
        (FIXTURES / f"{stem}-response.bin").write_bytes(exchange["response"])
        (CORPUS / f"golden-{stem}.bin").write_bytes(exchange["request"])
        manifest.append({"api": api, "keyNumber": exchange["api_key"], "version": exchange["version"],
                         "variant": variant, "client": client, **versions[client], "scenario": scenario,
                         "request": f"{stem}-request.bin", "response": f"{stem}-response.bin", "sent": facts})
    (FIXTURES / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def main():
    kafka_python = KafkaPython()
    with tempfile.TemporaryDirectory(prefix="petrel-golden-") as tmp:
        broker = Broker(os.path.join(tmp, "data"), ["group.initial.rebalance.delay.ms=0"])
        proxy = RecordingProxy(broker.port)
        broker.extra_overrides.append(f"advertised.listeners=PLAINTEXT://127.0.0.1:{proxy.port}")
        broker.start()
        bootstrap = f"127.0.0.1:{proxy.port}"
        try:
            for client, name, facts, action in scenarios(bootstrap):
                proxy.scenario = (client, name, facts)
                print(f"{client} {name}", file=sys.stderr)
                action()
        finally:
            broker.stop()
            proxy.close()
    for client in CLIENTS:
        seen = sorted({(kafka_python.names.get(e["api_key"], e["api_key"]), e["version"])
                       for e in proxy.exchanges if e["scenario"][0] == client}, key=str)
        print(f"{client} sent: " + ", ".join(f"{api} v{version}" for api, version in seen), file=sys.stderr)
    manifest = write(select(proxy.exchanges, kafka_python), client_versions())
    for entry in manifest:
        print(f"{entry['clientVersion']:22} {entry['api']:16} v{entry['version']:<2} {entry['variant'] or ''}")
    kept = {(entry["api"], entry["variant"]) for entry in manifest}
    missing = [f"{api} {variant or ''}" for api, variant in REQUIRED if (api, variant) not in kept]
    if missing:
        sys.exit(f"not captured: {', '.join(missing)}")


if __name__ == "__main__":
    main()
