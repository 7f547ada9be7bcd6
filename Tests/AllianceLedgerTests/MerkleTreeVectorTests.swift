import AllianceLedger
import Foundation
import TestSupport
import Testing

/// The Merkle tree against independent vectors: Vectors/merkle-vectors.json, written by
/// Vectors/merkle_vectors.py, a transcription of RFC 9162 §2.1's definitions into Python that
/// shares no code with the Swift. Every root, inclusion proof and consistency proof in it is
/// made again here from stored subtrees, reading only those the plan names, byte for byte, and
/// verifies.
///
/// To regenerate the vectors (deterministic: the same script writes the same file):
/// `python3 Tests/AllianceLedgerTests/Vectors/merkle_vectors.py > Tests/AllianceLedgerTests/Vectors/merkle-vectors.json`
@Suite(.timeLimit(.perTest)) struct MerkleTreeVectorTests {
    struct Vectors: Decodable {
        struct Tree: Decodable {
            let treeSize: Int64
            let root: String
            let inclusion: [Inclusion]
            let consistency: [Consistency]
        }

        struct Inclusion: Decodable {
            let leafIndex: Int64
            let proof: [String]
        }

        struct Consistency: Decodable {
            let oldSize: Int64
            let oldRoot: String
            let proof: [String]
        }

        let leaves: [String]
        let trees: [Tree]
    }

    @Test func rootsAndProofsMatchTheIndependentVectors() throws {
        let url = try #require(
            Bundle.module.url(forResource: "Vectors/merkle-vectors", withExtension: "json"))
        let vectors = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
        #expect(vectors.leaves.count == 1000)
        #expect(
            vectors.trees.map(\.treeSize) == [
                0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 100, 1000,
            ])

        var frontier = MerkleFrontier()
        var stored: [MerkleSubtree: Digest] = [:]
        var leafHashes: [Digest] = []
        for leaf in vectors.leaves {
            let leafHash = MerkleTree.leafHash(try Self.bytes(leaf))
            leafHashes.append(leafHash)
            for completed in frontier.append(leafHash: leafHash) {
                stored[completed.subtree] = completed.hash
            }
        }

        var checked = (roots: 0, inclusion: 0, consistency: 0)
        for tree in vectors.trees {
            let size = tree.treeSize
            let rootNode = try MerkleTree.rootNode(treeSize: size)
            let root = try rootNode.hash(from: Self.only(Set(rootNode.subtrees), of: stored))
            #expect(root.description == tree.root, "root of \(size)")
            checked.roots += 1
            for vector in tree.inclusion {
                let path = try MerkleTree.inclusionPath(leafIndex: vector.leafIndex, treeSize: size)
                let proof = try path.hashes(from: Self.only(path.subtrees, of: stored))
                #expect(proof.map(\.description) == vector.proof, "leaf \(vector.leafIndex) of \(size)")
                try MerkleTree.verifyInclusion(
                    leafHash: leafHashes[Int(vector.leafIndex)], leafIndex: vector.leafIndex, treeSize: size,
                    proof: try vector.proof.map(Self.digest), root: try Self.digest(tree.root))
                checked.inclusion += 1
            }
            for vector in tree.consistency {
                let path = try MerkleTree.consistencyPath(from: vector.oldSize, to: size)
                let proof = try path.hashes(from: Self.only(path.subtrees, of: stored))
                #expect(proof.map(\.description) == vector.proof, "\(vector.oldSize) to \(size)")
                let oldRoot = try MerkleTree.rootNode(treeSize: vector.oldSize).hash(from: stored)
                #expect(oldRoot.description == vector.oldRoot, "root of \(vector.oldSize)")
                try MerkleTree.verifyConsistency(
                    oldSize: vector.oldSize, oldRoot: try Self.digest(vector.oldRoot), newSize: size,
                    newRoot: try Self.digest(tree.root), proof: try vector.proof.map(Self.digest))
                checked.consistency += 1
            }
        }
        #expect(checked.roots == 18 && checked.inclusion == 228 && checked.consistency == 228)
    }

    /// The stored hashes a store would read for a plan: only those it names.
    static func only(_ subtrees: Set<MerkleSubtree>, of stored: [MerkleSubtree: Digest]) -> [MerkleSubtree:
        Digest]
    {
        stored.filter { subtrees.contains($0.key) }
    }

    static func bytes(_ hex: String) throws -> [UInt8] {
        let digits = Array(hex.utf8)
        try #require(digits.count % 2 == 0)
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            try #require(UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16))
        }
    }

    static func digest(_ hex: String) throws -> Digest {
        let bytes = try bytes(hex)
        try #require(bytes.count == 32)
        return Digest(bytes)
    }
}
