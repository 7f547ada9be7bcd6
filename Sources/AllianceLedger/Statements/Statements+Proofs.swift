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
        // No transaction: a tree's stored hashes never change (its tiles only grow), so those
        // of any size up to the head are there, the same, whenever they are read. Given the
        // tree's size (a statement's), the head and the tiles are read in one round trip, the
        // size checked against the head before the tiles are looked at; otherwise the head
        // comes first. Of a tree of a given size proved before, the upper tiles and the right
        // edge's hashes are kept (`TreeTileCache`).
        try await pool.withConnection { connection in
            let size: Int64
            let found: (leaf: Digest, proof: [Digest], root: Digest)
            if let treeSize, treeSize >= 1, sequence >= 1, sequence <= treeSize {
                let reading = try TreeStore.journal.inclusionProofReading(
                    leafIndex: sequence - 1, size: treeSize, in: alliance, keptIn: treeTiles)
                let read = try await connection.binaryPipeline([
                    Statements.headQuery(alliance), reading.query,
                ])
                size = try Statements.treeSize(
                    treeSize, field: "treeSize", head: try read[0].single().integer(0, 0))
                if let proof = try reading.proof(read[1]) {
                    found = proof
                } else {
                    // What was kept of this tree is of another history, and now forgotten.
                    found = try await TreeStore.journal.inclusionProof(
                        leafIndex: sequence - 1, size: size, in: alliance, on: connection)
                }
            } else {
                size = try await Statements.treeSize(
                    treeSize, field: "treeSize", in: alliance, on: connection)
                guard sequence >= 1, sequence <= size else {
                    throw LedgerError.invalidField(
                        "sequence", reason: "must be an entry of the tree of \(size) entries, 1 to \(size)"
                    )
                }
                // The journal as it is: a tree that the next entry replaces, not kept, lest
                // proofs of a busy journal's every size push out the statements' trees.
                found = try await TreeStore.journal.inclusionProof(
                    leafIndex: sequence - 1, size: size, in: alliance, on: connection)
            }
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
            let roots = try await TreeStore.roots(
                [(.journal, from), (.journal, size)], in: alliance, on: connection)
            return ConsistencyProof(
                from: from, to: size, fromRoot: roots[0].description, toRoot: roots[1].description,
                proof: proof.map(\.description))
        }
    }

    /// `requested`, which must not be larger than the journal, or the journal's size.
    static func treeSize(
        _ requested: Int64?, field: String, in alliance: AllianceID, on connection: PostgresConnection
    )
        async throws -> Int64
    {
        try treeSize(
            requested, field: field,
            head: try await connection.query(headQuery(alliance)).single().decode("sequence"))
    }

    /// `requested`, which must not be larger than the journal's `head` sequence, or the head.
    static func treeSize(_ requested: Int64?, field: String, head size: Int64) throws(LedgerError) -> Int64 {
        guard let requested else { return size }
        guard requested >= 1, requested <= size else {
            throw LedgerError.invalidField(
                field, reason: "must be from 1 to \(size), the journal's size now, not \(requested)")
        }
        return requested
    }

    /// The journal's size: the sequence of its head.
    static func headQuery(_ alliance: AllianceID) -> PostgresQuery {
        "SELECT sequence FROM journal_heads WHERE alliance_id = \(alliance.rawValue)"
    }
}
