import NIOCore

/// A tagged field this build does not know, kept as raw bytes so a decode/encode round trip
/// preserves it (tagged fields are how newer peers add data older ones must pass through).
public struct TaggedField: Hashable, Sendable {
    public var tag: UInt32
    /// The field's value bytes, without the tag and size prefixes.
    public var data: ByteBuffer

    public init(tag: UInt32, data: ByteBuffer) {
        self.tag = tag
        self.data = data
    }
}
