extension ClassicGroup {
    /// The members in join order (which fixes leader choice and the leader's member list), with what every
    /// request asks kept current instead of recomputed over all members: lookups by member id and by group
    /// instance id, how many members support each protocol, and how many have rejoined.
    public struct MemberList: RandomAccessCollection, Hashable, Sendable {
        private var storage: [ClassicGroupMember] = []
        private var byMemberID: [String: Int] = [:]
        private var byInstanceID: [String: Int] = [:]
        private var protocolSupport: [String: Int] = [:]
        /// Members with a JoinGroup parked in the current join phase.
        private(set) var awaitingJoinCount = 0

        init(_ members: [ClassicGroupMember] = []) {
            for member in members { append(member) }
        }

        public var startIndex: Int { storage.startIndex }
        public var endIndex: Int { storage.endIndex }

        public func makeIterator() -> IndexingIterator<[ClassicGroupMember]> { storage.makeIterator() }

        /// Every write goes through here, so the indexes follow renames (a static member's replacement),
        /// protocol changes and parked joins.
        public internal(set) subscript(position: Int) -> ClassicGroupMember {
            get { storage[position] }
            set {
                let old = storage[position]
                storage[position] = newValue
                if old.memberID != newValue.memberID {
                    byMemberID[old.memberID] = nil
                    byMemberID[newValue.memberID] = position
                }
                if old.groupInstanceID != newValue.groupInstanceID {
                    if let instance = old.groupInstanceID { byInstanceID[instance] = nil }
                    if let instance = newValue.groupInstanceID { byInstanceID[instance] = position }
                }
                if old.protocols.map(\.name) != newValue.protocols.map(\.name) {
                    count(old, by: -1)
                    count(newValue, by: 1)
                } else if (old.awaitingJoin == nil) != (newValue.awaitingJoin == nil) {
                    awaitingJoinCount += newValue.awaitingJoin == nil ? -1 : 1
                }
            }
        }

        /// Protocols every member supports.
        var commonProtocols: Set<String> {
            Set(protocolSupport.filter { $0.value == storage.count }.keys)
        }

        private mutating func count(_ member: ClassicGroupMember, by delta: Int) {
            for name in Set(member.protocols.map(\.name)) {
                protocolSupport[name, default: 0] += delta
                if protocolSupport[name] == 0 { protocolSupport[name] = nil }
            }
            if member.awaitingJoin != nil { awaitingJoinCount += delta }
        }

        func index(ofMember memberID: String) -> Int? { byMemberID[memberID] }

        func index(ofInstance groupInstanceID: String) -> Int? { byInstanceID[groupInstanceID] }

        mutating func append(_ member: ClassicGroupMember) {
            assert(byMemberID[member.memberID] == nil, "duplicate member id \(member.memberID)")
            byMemberID[member.memberID] = storage.count
            if let instance = member.groupInstanceID { byInstanceID[instance] = storage.count }
            storage.append(member)
            count(member, by: 1)
        }

        /// Removes the member at `position`; later members move up one place.
        @discardableResult
        mutating func remove(at position: Int) -> ClassicGroupMember {
            let member = storage.remove(at: position)
            count(member, by: -1)
            byMemberID[member.memberID] = nil
            if let instance = member.groupInstanceID { byInstanceID[instance] = nil }
            for index in position..<storage.count {
                byMemberID[storage[index].memberID] = index
                if let instance = storage[index].groupInstanceID { byInstanceID[instance] = index }
            }
            return member
        }
    }
}
