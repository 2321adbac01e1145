import PetrelProtocol

/// Kafka's admin operations: topics, partitions, configs, consumer groups and the cluster.
///
/// Topic and config changes go to the controller when the metadata names one (in KRaft any broker
/// forwards them); group operations go to each group's coordinator. Each operation throws the first
/// per-item error the broker reports, naming the item.
///
/// RPCs: Metadata, CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs,
/// IncrementalAlterConfigs, ListGroups, DescribeGroups, DeleteGroups, OffsetFetch, OffsetCommit,
/// ListOffsets, DescribeCluster.
public struct KafkaAdmin: Sendable {
    public let client: KafkaClient

    public init(configuration: ClientConfiguration) {
        client = KafkaClient(configuration: configuration)
    }

    public init(client: KafkaClient) {
        self.client = client
    }

    public func close() async {
        await client.close()
    }

    // MARK: Topics

    public func createTopics(_ topics: [NewTopic], validateOnly: Bool = false) async throws(KafkaClientError) {
        var request = CreateTopicsRequest()
        request.timeoutMs = milliseconds(client.configuration.requestTimeout)
        request.validateOnly = validateOnly
        request.topics = topics.map { topic in
            var entry = CreateTopicsRequest.CreatableTopic()
            entry.name = topic.name
            entry.numPartitions = topic.numPartitions
            entry.replicationFactor = topic.replicationFactor
            entry.configs = topic.configs.sorted { $0.key < $1.key }.map { key, value in
                var config = CreateTopicsRequest.CreatableTopicConfig()
                config.name = key
                config.value = value
                return config
            }
            return entry
        }
        let response = try await sendToController(request)
        for result in response.topics {
            try check(result.errorCode, "topic \(result.name)\(result.errorMessage.map { ": \($0)" } ?? "")")
        }
        await client.invalidateMetadata()
    }

    public func deleteTopics(_ names: [String]) async throws(KafkaClientError) {
        var request = DeleteTopicsRequest()
        request.timeoutMs = milliseconds(client.configuration.requestTimeout)
        request.topicNames = names
        request.topics = names.map { name in
            var entry = DeleteTopicsRequest.DeleteTopicState()
            entry.name = name
            return entry
        }
        let response = try await sendToController(request, adjust: { request, version in
            if version >= 6 { request.topicNames = [] } else { request.topics = [] }
        })
        for result in response.responses {
            try check(result.errorCode, "topic \(result.name ?? "\(result.topicID)")\(result.errorMessage.map { ": \($0)" } ?? "")")
        }
        for name in names { await client.forget(topic: name) }
        await client.invalidateMetadata()
    }

    /// Topic names, sorted; internal topics (`__consumer_offsets`) only when asked.
    public func listTopics(includeInternal: Bool = false) async throws(KafkaClientError) -> [String] {
        let metadata = try await client.metadata(topics: nil, refresh: true)
        return metadata.topics.values.filter { includeInternal || !$0.isInternal }.map(\.name).sorted()
    }

    /// Descriptions of `names` (all topics when nil); a missing topic throws UNKNOWN_TOPIC_OR_PARTITION.
    public func describeTopics(_ names: [String]?) async throws(KafkaClientError) -> [ClusterMetadata.Topic] {
        let metadata = try await client.metadata(topics: names, refresh: true)
        let wanted = names ?? metadata.topics.values.filter { !$0.isInternal }.map(\.name)
        var result: [ClusterMetadata.Topic] = []
        for name in wanted.sorted() {
            guard let topic = metadata.topics[name] else { throw .broker(.unknownTopicOrPartition, "topic \(name)") }
            if topic.errorCode != .none { throw .broker(topic.errorCode, "topic \(name)") }
            result.append(topic)
        }
        return result
    }

    /// Raises each topic's partition count to the given total.
    public func createPartitions(_ totals: [String: Int32]) async throws(KafkaClientError) {
        var request = CreatePartitionsRequest()
        request.timeoutMs = milliseconds(client.configuration.requestTimeout)
        request.validateOnly = false
        request.topics = totals.sorted { $0.key < $1.key }.map { name, count in
            var entry = CreatePartitionsRequest.CreatePartitionsTopic()
            entry.name = name
            entry.count = count
            entry.assignments = nil
            return entry
        }
        let response = try await sendToController(request)
        for result in response.results {
            try check(result.errorCode, "topic \(result.name)\(result.errorMessage.map { ": \($0)" } ?? "")")
        }
        await client.invalidateMetadata()
    }

    // MARK: Configs

    public func describeConfigs(_ type: ConfigResourceType, name: String) async throws(KafkaClientError) -> [ConfigEntry] {
        var request = DescribeConfigsRequest()
        var resource = DescribeConfigsRequest.DescribeConfigsResource()
        resource.resourceType = type.rawValue
        resource.resourceName = name
        resource.configurationKeys = nil
        request.resources = [resource]
        let response = try await sendToController(request)
        guard let result = response.results.first else { throw .protocolError("DescribeConfigs without results") }
        try check(result.errorCode, "\(type) \(name)\(result.errorMessage.map { ": \($0)" } ?? "")")
        return result.configs.map {
            ConfigEntry(
                name: $0.name, value: $0.value, isReadOnly: $0.readOnly, isSensitive: $0.isSensitive,
                source: $0.configSource >= 0 ? $0.configSource : ($0.isDefault ? 5 : -1))
        }.sorted { $0.name < $1.name }
    }

    /// IncrementalAlterConfigs: sets `set` and deletes `delete` (back to the default), leaving others.
    public func alterConfigs(_ type: ConfigResourceType, name: String, set: [String: String], delete: [String])
        async throws(KafkaClientError)
    {
        var request = IncrementalAlterConfigsRequest()
        var resource = IncrementalAlterConfigsRequest.AlterConfigsResource()
        resource.resourceType = type.rawValue
        resource.resourceName = name
        for (key, value) in set.sorted(by: { $0.key < $1.key }) {
            var config = IncrementalAlterConfigsRequest.AlterableConfig()
            config.name = key
            config.configOperation = 0  // SET
            config.value = value
            resource.configs.append(config)
        }
        for key in delete.sorted() {
            var config = IncrementalAlterConfigsRequest.AlterableConfig()
            config.name = key
            config.configOperation = 1  // DELETE
            config.value = nil
            resource.configs.append(config)
        }
        request.resources = [resource]
        request.validateOnly = false
        let response = try await sendToController(request)
        for result in response.responses {
            try check(result.errorCode, "\(type) \(name)\(result.errorMessage.map { ": \($0)" } ?? "")")
        }
    }

    // MARK: Groups

    /// Every group of every broker, sorted by id.
    public func listGroups() async throws(KafkaClientError) -> [GroupListing] {
        let metadata = try await client.metadata(topics: [], refresh: true)
        var groups: [String: GroupListing] = [:]
        for nodeID in metadata.brokers.keys.sorted() {
            let response = try await client.send(ListGroupsRequest(), to: nodeID)
            try check(response.errorCode, "ListGroups on node \(nodeID)")
            for group in response.groups {
                groups[group.groupID] = GroupListing(groupID: group.groupID, protocolType: group.protocolType, state: group.groupState)
            }
        }
        return groups.values.sorted { $0.groupID < $1.groupID }
    }

    public func describeGroup(_ groupID: String) async throws(KafkaClientError) -> GroupDescription {
        let client = client
        let described = try await client.retrying("DescribeGroups(\(groupID))") {
            () async throws(KafkaClientError) -> DescribeGroupsResponse.DescribedGroup in
            var request = DescribeGroupsRequest()
            request.groups = [groupID]
            let response = try await client.send(request, to: try await client.coordinator(forGroup: groupID))
            guard let group = response.groups.first else { throw .protocolError("DescribeGroups without groups") }
            try check(group.errorCode, "group \(groupID)")
            return group
        }
        let members = described.members.map { member in
            GroupDescription.Member(
                memberID: member.memberID, groupInstanceID: member.groupInstanceID, clientID: member.clientID,
                clientHost: member.clientHost,
                assignment: described.protocolType == "consumer"
                    ? ((try? ConsumerProtocol.decodeAssignment(member.memberAssignment)) ?? []) : [])
        }
        return GroupDescription(
            groupID: described.groupID, state: described.groupState, protocolType: described.protocolType,
            protocolName: described.protocolData, members: members)
    }

    public func deleteGroups(_ groupIDs: [String]) async throws(KafkaClientError) {
        let client = client
        for groupID in groupIDs {
            try await client.retrying("DeleteGroups(\(groupID))") { () async throws(KafkaClientError) in
                var request = DeleteGroupsRequest()
                request.groupsNames = [groupID]
                let response = try await client.send(request, to: try await client.coordinator(forGroup: groupID))
                for result in response.results { try check(result.errorCode, "group \(result.groupID)") }
            }
        }
    }

    /// The group's committed offsets (every partition it committed).
    public func listGroupOffsets(_ groupID: String) async throws(KafkaClientError) -> [TopicPartition: Int64] {
        try await client.committedOffsets(group: groupID, partitions: nil)
    }

    /// Overwrites the group's committed offsets (the group must have no active members).
    public func alterGroupOffsets(_ groupID: String, offsets: [TopicPartition: Int64]) async throws(KafkaClientError) {
        try await client.commitOffsets(group: groupID, offsets: offsets)
    }

    // MARK: Cluster

    /// DescribeCluster when the broker serves it, else the same facts from Metadata.
    public func describeCluster() async throws(KafkaClientError) -> ClusterDescription {
        let metadata = try await client.metadata(topics: [], refresh: true)
        do {
            let response = try await client.sendToAnyBroker(DescribeClusterRequest())
            try check(response.errorCode, "DescribeCluster\(response.errorMessage.map { ": \($0)" } ?? "")")
            return ClusterDescription(
                clusterID: response.clusterID, controllerID: response.controllerID,
                brokers: response.brokers.map {
                    ClusterMetadata.Broker(nodeID: $0.brokerID, address: BrokerAddress(host: $0.host, port: Int($0.port)), rack: $0.rack)
                }.sorted { $0.nodeID < $1.nodeID })
        } catch where error.isUnsupportedVersion {
            return ClusterDescription(
                clusterID: metadata.clusterID, controllerID: metadata.controllerID,
                brokers: metadata.brokers.values.sorted { $0.nodeID < $1.nodeID })
        }
    }

    // MARK: Routing

    /// Sends to the controller (or any broker when none is known), retrying retriable errors;
    /// `adjust` fixes version-dependent fields once the version is known.
    private func sendToController<Request: KafkaRequest>(
        _ request: Request, adjust: (@Sendable (inout Request, Int16) -> Void)? = nil
    ) async throws(KafkaClientError) -> Request.Response {
        let client = client
        return try await client.retrying("\(Request.apiKey)") { () async throws(KafkaClientError) -> Request.Response in
            let metadata = try await client.metadata(topics: [])
            let nodeID = metadata.controllerID >= 0 && metadata.brokers[metadata.controllerID] != nil
                ? metadata.controllerID : (metadata.brokers.keys.min() ?? -1)
            guard nodeID >= 0 else { throw .noBrokerAvailable("no broker in the metadata") }
            var request = request
            if let adjust { adjust(&request, try await client.version(of: Request.self, on: nodeID)) }
            return try await client.send(request, to: nodeID)
        }
    }
}
