"""Codec peer for PetrelProtocolTests/KafkaPythonCrossTests.swift: kafka-python (3.0.12) as an
independent implementation of Kafka's wire format.

Reads a JSON list of {"name", "version", "hex"} on stdin (bodies Petrel encoded), decodes each
with kafka-python's class of that name, re-encodes it, and writes a JSON list of
{"name", "version", "hex"} or {"name", "version", "error"} on stdout.
With --versions, instead prints {name: [min, max]} for every message kafka-python has; with
--samples, prints {"name", "version", "hex"} for messages built here with kafka-python's own
classes and values (the other direction: kafka-python encodes first, Petrel decodes).
"""
import importlib
import json
import pkgutil
import sys
import uuid as uuidlib

import kafka.protocol
from kafka.protocol.api_message import ApiMessage


def message_classes():
    for module in pkgutil.walk_packages(kafka.protocol.__path__, "kafka.protocol."):
        try:
            importlib.import_module(module.name)
        except ImportError:
            continue
    classes = {}
    pending = [ApiMessage]
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            pending.append(sub)
            if getattr(sub, "_class_version", None) is None and getattr(sub, "_json", None) is not None:
                classes[sub.name] = sub
    return classes


def samples(c):
    """(message, versions) pairs for the APIs a broker serves first, with realistic values."""
    records = bytes(range(61)) + b"petrel"  # opaque to both codecs
    uuid = uuidlib.UUID("364e6e23-71bf-4507-8c55-4781f2cc49f0")  # Kafka string form Nk5uI3G_RQeMVUeB8sxJ8A
    produce, fetch = c["ProduceRequest"], c["FetchRequest"]
    produce_response, fetch_response = c["ProduceResponse"], c["FetchResponse"]
    metadata, metadata_response = c["MetadataRequest"], c["MetadataResponse"]
    join, join_response = c["JoinGroupRequest"], c["JoinGroupResponse"]
    sync = c["SyncGroupRequest"]
    commit, commit_response = c["OffsetCommitRequest"], c["OffsetCommitResponse"]
    offset_fetch, offset_fetch_response = c["OffsetFetchRequest"], c["OffsetFetchResponse"]
    list_offsets, list_offsets_response = c["ListOffsetsRequest"], c["ListOffsetsResponse"]
    create, create_response = c["CreateTopicsRequest"], c["CreateTopicsResponse"]
    delete, delete_response = c["DeleteTopicsRequest"], c["DeleteTopicsResponse"]
    describe, describe_response = c["DescribeConfigsRequest"], c["DescribeConfigsResponse"]
    find_response = c["FindCoordinatorResponse"]
    versions_response = c["ApiVersionsResponse"]
    return [
        (c["ApiVersionsRequest"](client_software_name="kafka-python", client_software_version="3.0.12"), [0, 3]),
        (versions_response(error_code=0, throttle_time_ms=0, api_keys=[
            versions_response.ApiVersion(api_key=0, min_version=3, max_version=11),
            versions_response.ApiVersion(api_key=18, min_version=0, max_version=4)]), [0, 3]),
        (metadata(topics=[metadata.MetadataRequestTopic(name="orders")], allow_auto_topic_creation=False), [1, 4, 9]),
        (metadata_response(throttle_time_ms=0, cluster_id="petrel-cluster", controller_id=1, brokers=[
            metadata_response.MetadataResponseBroker(node_id=1, host="localhost", port=9092, rack=None)],
            topics=[metadata_response.MetadataResponseTopic(error_code=0, name="orders", is_internal=False, partitions=[
                metadata_response.MetadataResponseTopic.MetadataResponsePartition(
                    error_code=0, partition_index=0, leader_id=1, leader_epoch=3, replica_nodes=[1],
                    isr_nodes=[1], offline_replicas=[])])]), [1, 7, 9]),
        (produce(transactional_id=None, acks=-1, timeout_ms=30000, topic_data=[produce.TopicProduceData(
            name="orders", partition_data=[produce.TopicProduceData.PartitionProduceData(index=0, records=records)])]),
            [3, 7, 9]),
        (produce_response(throttle_time_ms=0, responses=[produce_response.TopicProduceResponse(
            name="orders", partition_responses=[produce_response.TopicProduceResponse.PartitionProduceResponse(
                index=0, error_code=0, base_offset=42, log_append_time_ms=-1, log_start_offset=0)])]), [3, 7, 9]),
        (fetch(replica_id=-1, max_wait_ms=500, min_bytes=1, max_bytes=52428800, isolation_level=1, session_id=0,
               session_epoch=-1, topics=[fetch.FetchTopic(topic="orders", partitions=[fetch.FetchTopic.FetchPartition(
                   partition=0, current_leader_epoch=3, fetch_offset=100, log_start_offset=-1,
                   partition_max_bytes=1048576)])], forgotten_topics_data=[], rack_id=""), [4, 7, 11, 12]),
        (fetch_response(throttle_time_ms=0, error_code=0, session_id=0, responses=[fetch_response.FetchableTopicResponse(
            topic="orders", partitions=[fetch_response.FetchableTopicResponse.PartitionData(
                partition_index=0, error_code=0, high_watermark=200, last_stable_offset=200, log_start_offset=0,
                aborted_transactions=None, preferred_read_replica=-1, records=records)])]), [4, 7, 11, 12]),
        (list_offsets(replica_id=-1, isolation_level=0, topics=[list_offsets.ListOffsetsTopic(
            name="orders", partitions=[list_offsets.ListOffsetsTopic.ListOffsetsPartition(
                partition_index=0, current_leader_epoch=-1, timestamp=-1)])]), [1, 5, 7]),
        (list_offsets_response(throttle_time_ms=0, topics=[list_offsets_response.ListOffsetsTopicResponse(
            name="orders", partitions=[list_offsets_response.ListOffsetsTopicResponse.ListOffsetsPartitionResponse(
                partition_index=0, error_code=0, timestamp=-1, offset=200, leader_epoch=3)])]), [1, 5, 7]),
        (c["FindCoordinatorRequest"](key="group-a", key_type=0), [0, 1, 3]),
        (c["FindCoordinatorRequest"](key_type=0, coordinator_keys=["group-a", "group-b"]), [4]),
        (find_response(throttle_time_ms=0, error_code=0, error_message=None, node_id=1, host="localhost", port=9092),
            [0, 1, 3]),
        (find_response(throttle_time_ms=0, coordinators=[find_response.Coordinator(
            key="group-a", node_id=1, host="localhost", port=9092, error_code=0, error_message=None)]), [4]),
        (join(group_id="group-a", session_timeout_ms=45000, rebalance_timeout_ms=300000, member_id="",
              group_instance_id=None, protocol_type="consumer", protocols=[join.JoinGroupRequestProtocol(
                  name="range", metadata=b"\x00\x01\x00\x00\x00\x01\x00\x06orders")]), [0, 5, 7]),
        (join_response(throttle_time_ms=0, error_code=0, generation_id=1, protocol_type="consumer",
                       protocol_name="range", leader="m-1", member_id="m-1", members=[
                           join_response.JoinGroupResponseMember(member_id="m-1", group_instance_id=None,
                                                                 metadata=b"\x00\x01")]), [0, 5, 7]),
        (sync(group_id="group-a", generation_id=1, member_id="m-1", group_instance_id=None, protocol_type="consumer",
              protocol_name="range", assignments=[sync.SyncGroupRequestAssignment(member_id="m-1", assignment=b"\x00")]),
            [0, 3, 5]),
        (c["SyncGroupResponse"](throttle_time_ms=0, error_code=0, protocol_type="consumer", protocol_name="range",
                                assignment=b"\x00\x01"), [0, 3, 5]),
        (c["HeartbeatRequest"](group_id="group-a", generation_id=1, member_id="m-1", group_instance_id=None), [0, 4]),
        (c["HeartbeatResponse"](throttle_time_ms=0, error_code=27), [0, 4]),
        (commit(group_id="group-a", generation_id_or_member_epoch=1, member_id="m-1", group_instance_id=None,
                retention_time_ms=-1, topics=[commit.OffsetCommitRequestTopic(
                    name="orders", partitions=[commit.OffsetCommitRequestTopic.OffsetCommitRequestPartition(
                        partition_index=0, committed_offset=100, committed_leader_epoch=3,
                        committed_metadata="")])]), [2, 7, 8]),
        (commit_response(throttle_time_ms=0, topics=[commit_response.OffsetCommitResponseTopic(
            name="orders", partitions=[commit_response.OffsetCommitResponseTopic.OffsetCommitResponsePartition(
                partition_index=0, error_code=0)])]), [2, 7, 8]),
        (offset_fetch(group_id="group-a", topics=[offset_fetch.OffsetFetchRequestTopic(
            name="orders", partition_indexes=[0, 1])], require_stable=True), [1, 7]),
        (offset_fetch(groups=[offset_fetch.OffsetFetchRequestGroup(group_id="group-a", topics=None)],
                      require_stable=True), [8]),
        (offset_fetch_response(throttle_time_ms=0, error_code=0, topics=[offset_fetch_response.OffsetFetchResponseTopic(
            name="orders", partitions=[offset_fetch_response.OffsetFetchResponseTopic.OffsetFetchResponsePartition(
                partition_index=0, committed_offset=100, committed_leader_epoch=3, metadata="", error_code=0)])]),
            [5, 7]),
        (create(topics=[create.CreatableTopic(name="orders", num_partitions=3, replication_factor=1, assignments=[],
                                              configs=[create.CreatableTopic.CreatableTopicConfig(
                                                  name="cleanup.policy", value="compact")])],
                timeout_ms=30000, validate_only=False), [2, 5]),
        (create_response(throttle_time_ms=0, topics=[create_response.CreatableTopicResult(
            name="orders", topic_id=uuid, error_code=0, error_message=None, num_partitions=3, replication_factor=1,
            configs=None)]), [2, 5, 7]),
        (delete(topic_names=["orders", "payments"], timeout_ms=30000), [1, 4]),
        (delete(topics=[delete.DeleteTopicState(name="orders", topic_id=uuidlib.UUID(int=0))], timeout_ms=30000),
            [6]),
        (delete_response(throttle_time_ms=0, responses=[delete_response.DeletableTopicResult(
            name="orders", error_code=0, error_message=None)]), [1, 4, 5]),
        (describe(resources=[describe.DescribeConfigsResource(resource_type=2, resource_name="orders",
                                                              configuration_keys=None)],
                  include_synonyms=True, include_documentation=False), [1, 4]),
        (describe_response(throttle_time_ms=0, results=[describe_response.DescribeConfigsResult(
            error_code=0, error_message=None, resource_type=2, resource_name="orders", configs=[
                describe_response.DescribeConfigsResult.DescribeConfigsResourceResult(
                    name="retention.ms", value="604800000", read_only=False, config_source=5, is_sensitive=False,
                    synonyms=[], config_type=5, documentation=None)])]), [1, 4]),
        (c["InitProducerIdRequest"](transactional_id=None, transaction_timeout_ms=60000, producer_id=-1,
                                    producer_epoch=-1), [0, 2, 4]),
        (c["InitProducerIdResponse"](throttle_time_ms=0, error_code=0, producer_id=4000, producer_epoch=0), [0, 2, 4]),
    ]


def main():
    classes = message_classes()
    if sys.argv[1:] == ["--versions"]:
        json.dump({name: [cls.min_version, cls.max_version] for name, cls in classes.items()}, sys.stdout)
        return
    if sys.argv[1:] == ["--samples"]:
        out = []
        for message, versions in samples(classes):
            for version in versions:
                out.append({"name": message.name, "version": version, "hex": message.encode(version=version).hex()})
        json.dump(out, sys.stdout)
        return
    results = []
    for item in json.load(sys.stdin):
        name, version = item["name"], item["version"]
        try:
            cls = classes[name]
            decoded = cls.decode(bytes.fromhex(item["hex"]), version=version)
            # decode() fills fields only; encode() also reads the header slot of a decoded message.
            decoded._header = None
            results.append({"name": name, "version": version, "hex": decoded.encode(version=version).hex()})
        except Exception as error:  # reported per message; the Swift test fails on it
            results.append({"name": name, "version": version, "error": f"{type(error).__name__}: {error}"})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
