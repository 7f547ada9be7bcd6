import Postgres

/// An RFC 9162 inclusion proof: the entry at `leafIndex` (its sequence − 1) is in the journal's
/// tree of `treeSize` entries, whose root is `root`.
public struct InclusionProof: Hashable, Sendable, Encodable {
    public let treeSize: Int64
    public let leafIndex: Int64
    /// SHA-256(0x00 ‖ entry hash), hex.
    public let leafHash: String
    public let root: String
    /// The audit path, hex, the leaf's sibling first.
    public let proof: [String]
}

/// An RFC 9162 consistency proof: the journal's tree of `to` entries extends its tree of
/// `from` entries.
public struct ConsistencyProof: Hashable, Sendable, Encodable {
    public let from: Int64
    public let to: Int64
    public let fromRoot: String
    public let toRoot: String
    public let proof: [String]
}

extension Statements {
    /// The proof that entry `sequence` is in the journal's tree of `treeSize` entries (the
    /// journal as it is when nil): for anyone holding a statement's tree size and root.
    public func inclusionProof(sequence: Int64, treeSize: Int64?, in alliance: AllianceID) async throws
        -> InclusionProof
    {
        // Two reads, no transaction: a tree's nodes are never rewritten, so those of any size up
        // to the head read first are there, the same, whenever they are read.
        try await pool.withConnection { connection in
            let size = try await Statements.treeSize(
                treeSize, field: "treeSize", in: alliance, on: connection)
            guard sequence >= 1, sequence <= size else {
                throw LedgerError.invalidField(
                    "sequence", reason: "must be an entry of the tree of \(size) entries, 1 to \(size)"
                )
            }
            let found = try await TreeStore.journal.inclusionProof(
                leafIndex: sequence - 1, size: size, in: alliance, on: connection)
            return InclusionProof(
                treeSize: size, leafIndex: sequence - 1, leafHash: found.leaf.description,
                root: found.root.description, proof: found.proof.map(\.description))
        }
    }

    /// The proof that the journal's tree of `to` entries (as it is when nil) extends its tree
    /// of `from`: what shows a later statement's journal rewrote nothing of an earlier one's.
    public func consistencyProof(from: Int64, to: Int64?, in alliance: AllianceID) async throws
        -> ConsistencyProof
    {
        try await pool.withTransaction(.repeatableRead) { connection in
            let size = try await Statements.treeSize(to, field: "to", in: alliance, on: connection)
            guard from >= 1, from <= size else {
                throw LedgerError.invalidField(
                    "from", reason: "must be from 1 to \(size), the larger tree's size")
            }
            let proof = try await TreeStore.journal.consistencyProof(
                from: from, to: size, in: alliance, on: connection)
            return ConsistencyProof(
                from: from, to: size,
                fromRoot: try await TreeStore.journal.root(size: from, in: alliance, on: connection)
                    .description,
                toRoot: try await TreeStore.journal.root(size: size, in: alliance, on: connection)
                    .description,
                proof: proof.map(\.description))
        }
    }

    /// `requested`, which must not be larger than the journal, or the journal's size.
    static func treeSize(
        _ requested: Int64?, field: String, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> Int64
    {
        let size: Int64 = try await connection.query(
            "SELECT sequence FROM journal_heads WHERE alliance_id = \(alliance.rawValue)"
        ).single().decode("sequence")
        guard let requested else { return size }
        guard requested >= 1, requested <= size else {
            throw LedgerError.invalidField(
                field, reason: "must be from 1 to \(size), the journal's size now, not \(requested)")
        }
        return requested
    }
}
