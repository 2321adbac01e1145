/// Group coordinator settings, named after Kafka's broker configs, with Kafka's defaults.
public struct GroupCoordinatorConfig: Sendable, Hashable {
    /// `group.min.session.timeout.ms`: the shortest session a member may ask for.
    public var sessionTimeoutMin: Duration = .seconds(6)
    /// `group.max.session.timeout.ms`: the longest session a member may ask for.
    public var sessionTimeoutMax: Duration = .seconds(1800)
    /// `group.initial.rebalance.delay.ms`: how long the first rebalance of an empty group waits for more members,
    /// extended by the same amount each time one arrives, up to the rebalance timeout.
    public var initialRebalanceDelay: Duration = .seconds(3)
    /// `group.max.size`: members per group; joiners beyond it get GROUP_MAX_SIZE_REACHED.
    public var groupSizeMax: Int = Int(Int32.max)
    /// `offsets.retention.minutes` (7 days): how long committed offsets outlive their group's activity.
    public var offsetsRetention: Duration = .seconds(7 * 24 * 3600)
    /// `offsets.retention.check.interval.ms`: how often expired offsets are looked for.
    public var offsetsRetentionCheckInterval: Duration = .seconds(600)
    /// `offset.metadata.max.bytes`: longest metadata string an offset commit may carry.
    public var offsetMetadataBytesMax: Int = 4096
    /// Kafka's fixed `NewMemberJoinTimeoutMs`: how long a member that joined a never-stable group may wait in
    /// the join phase before it is dropped (its heartbeats cannot keep it alive there).
    public var newMemberJoinTimeout: Duration = .seconds(300)

    public init() {}
}
