/// The one table that maps a spec `entityType` to the Swift type of the field.
///
/// Entities stay simple raw types today; a typed wrapper (e.g. `TopicName`, `BrokerID`) would be
/// introduced here and nowhere else. The spec primitive each entity must sit on is checked so that
/// a spec change cannot silently produce a mismatched type.
enum EntityTypes {
    struct Mapping {
        /// The spec primitive the entity must be declared on (`string`, `int32`...).
        var specPrimitive: String
        var swiftType: String
    }

    static let table: [String: Mapping] = [
        "topicName": Mapping(specPrimitive: "string", swiftType: "String"),
        "groupId": Mapping(specPrimitive: "string", swiftType: "String"),
        "transactionalId": Mapping(specPrimitive: "string", swiftType: "String"),
        "brokerId": Mapping(specPrimitive: "int32", swiftType: "Int32"),
        "producerId": Mapping(specPrimitive: "int64", swiftType: "Int64"),
    ]
}
