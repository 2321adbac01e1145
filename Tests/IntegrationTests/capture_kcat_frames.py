"""Captures the request frames kcat (librdkafka 2.0.2 on Debian 12) sends, for golden-frame tests.

Acts as a one-broker cluster on a loopback port just far enough for `kcat -P` to produce one
message: answers ApiVersions, Metadata and Produce with kafka-python's encoder and records every
request frame. Prints a JSON list of {"api_key", "api_version", "hex"} (frame bodies without the
4-byte size prefix), in arrival order, one entry per (api_key, api_version).

Usage: python3 Tests/IntegrationTests/capture_kcat_frames.py > frames.json
"""
import json
import socket
import struct
import subprocess
import sys
import threading

from kafka.protocol.metadata import ApiVersionsResponse, MetadataResponse
from kafka.protocol.producer import ProduceResponse

TOPIC = "golden"
# (api key, max version): Produce, Fetch, ListOffsets, Metadata, OffsetCommit, OffsetFetch,
# FindCoordinator, JoinGroup, Heartbeat, LeaveGroup, SyncGroup, DescribeGroups, ListGroups,
# SaslHandshake, ApiVersions, CreateTopics, DeleteTopics, InitProducerId, DescribeConfigs.
SUPPORTED = [(0, 9), (1, 12), (2, 7), (3, 12), (8, 8), (9, 8), (10, 4), (11, 9), (12, 4), (13, 5), (14, 5),
             (15, 5), (16, 4), (17, 1), (18, 3), (19, 7), (20, 6), (22, 4), (32, 4)]


def read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def answer(api_key, api_version, correlation_id, port):
    """The response frame for a request, or None to stay silent."""
    flexible_header = False
    if api_key == 18:
        # What a Kafka 3.x broker advertises for the APIs librdkafka checks before it uses record
        # batch v2 and idempotence (Produce, Fetch, ListOffsets, groups, InitProducerId...).
        body = ApiVersionsResponse(error_code=0, throttle_time_ms=0, api_keys=[
            ApiVersionsResponse.ApiVersion(api_key=key, min_version=0, max_version=high)
            for key, high in SUPPORTED]).encode(version=api_version)
    elif api_key == 3:
        flexible_header = api_version >= 9
        partition = MetadataResponse.MetadataResponseTopic.MetadataResponsePartition
        body = MetadataResponse(throttle_time_ms=0, cluster_id="golden-cluster", controller_id=1, brokers=[
            MetadataResponse.MetadataResponseBroker(node_id=1, host="127.0.0.1", port=port, rack=None)],
            topics=[MetadataResponse.MetadataResponseTopic(error_code=0, name=TOPIC, is_internal=False, partitions=[
                partition(error_code=0, partition_index=0, leader_id=1, leader_epoch=0, replica_nodes=[1],
                          isr_nodes=[1], offline_replicas=[])])]).encode(version=api_version)
    elif api_key == 0:
        flexible_header = api_version >= 9
        produced = ProduceResponse.TopicProduceResponse
        body = ProduceResponse(throttle_time_ms=0, responses=[produced(name=TOPIC, partition_responses=[
            produced.PartitionProduceResponse(index=0, error_code=0, base_offset=0, log_append_time_ms=-1,
                                              log_start_offset=0)])]).encode(version=api_version)
    else:
        return None
    header = struct.pack(">i", correlation_id) + (b"\x00" if flexible_header else b"")
    return struct.pack(">i", len(header) + len(body)) + header + body


def serve(conn, port, frames, lock):
    with conn:
        try:
            while True:
                size = struct.unpack(">i", read_exactly(conn, 4))[0]
                frame = read_exactly(conn, size)
                api_key, api_version, correlation_id = struct.unpack(">hhi", frame[:8])
                with lock:
                    if all((f["api_key"], f["api_version"]) != (api_key, api_version) for f in frames):
                        frames.append({"api_key": api_key, "api_version": api_version, "hex": frame.hex()})
                response = answer(api_key, api_version, correlation_id, port)
                if response is None:
                    return
                conn.sendall(response)
        except (EOFError, ConnectionError):
            return


def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(1)
    port = listener.getsockname()[1]
    frames, lock, done = [], threading.Lock(), threading.Event()

    def accept_loop():
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except socket.timeout:
                continue
            threading.Thread(target=serve, args=(conn, port, frames, lock), daemon=True).start()

    acceptor = threading.Thread(target=accept_loop)
    acceptor.start()
    subprocess.run(["kcat", "-b", f"127.0.0.1:{port}", "-P", "-t", TOPIC, "-k", "key-1", "-X", "linger.ms=0"],
                   input=b"hello petrel\n", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=30)
    done.set()
    acceptor.join()
    json.dump(frames, sys.stdout, indent=1)


if __name__ == "__main__":
    main()
