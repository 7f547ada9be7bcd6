public import AllianceLedger

import struct Crypto.SHA256

/// RFC 9162's definitions of the Merkle tree hash MTH, the inclusion path PATH and the
/// consistency proof PROOF/SUBPROOF (§2.1.1, §2.1.3.1, §2.1.4.1), recursion for recursion over a
/// plain array of leaves: what the library's plans over stored subtrees are tested against.
///
/// The hash of a run of leaves is the same in every tree that holds them, so it is kept once
/// made: exhaustive tests over every pair of sizes then hash each run once, not once a proof.
public struct ReferenceMerkleTree {
    public let leaves: [[UInt8]]
    private var hashes: [Range<Int>: Digest] = [:]

    public init(leaves: [[UInt8]]) {
        self.leaves = leaves
    }

    /// MTH(D[range]).
    public mutating func hash(_ range: Range<Int>) -> Digest {
        if let known = hashes[range] { return known }
        let hash: Digest
        switch range.count {
        case 0: hash = Digest(Array(SHA256.hash(data: [UInt8]())))
        case 1: hash = Digest(Array(SHA256.hash(data: [0x00] + leaves[range.lowerBound])))
        default:
            let k = Self.split(range.count)
            let left = self.hash(range.lowerBound..<range.lowerBound + k)
            let right = self.hash(range.lowerBound + k..<range.upperBound)
            hash = Digest(Array(SHA256.hash(data: [0x01] + left.bytes + right.bytes)))
        }
        hashes[range] = hash
        return hash
    }

    /// MTH(D[n]): the root of the first `treeSize` leaves.
    public mutating func root(treeSize: Int) -> Digest { hash(0..<treeSize) }

    /// PATH(m, D[n]).
    public mutating func inclusionProof(leafIndex: Int, treeSize: Int) -> [Digest] {
        path(leafIndex, 0..<treeSize)
    }

    /// PROOF(m, D[n]) = SUBPROOF(m, D[n], true).
    public mutating func consistencyProof(from oldSize: Int, to newSize: Int) -> [Digest] {
        subproof(oldSize, 0..<newSize, true)
    }

    private mutating func path(_ m: Int, _ d: Range<Int>) -> [Digest] {
        guard d.count > 1 else { return [] }
        let k = Self.split(d.count)
        if m < k {
            return path(m, d.lowerBound..<d.lowerBound + k) + [hash(d.lowerBound + k..<d.upperBound)]
        }
        return path(m - k, d.lowerBound + k..<d.upperBound) + [hash(d.lowerBound..<d.lowerBound + k)]
    }

    private mutating func subproof(_ m: Int, _ d: Range<Int>, _ b: Bool) -> [Digest] {
        if m == d.count { return b ? [] : [hash(d)] }
        let k = Self.split(d.count)
        if m <= k {
            return subproof(m, d.lowerBound..<d.lowerBound + k, b) + [hash(d.lowerBound + k..<d.upperBound)]
        }
        return subproof(m - k, d.lowerBound + k..<d.upperBound, false) + [
            hash(d.lowerBound..<d.lowerBound + k)
        ]
    }

    /// The largest power of two smaller than `n` (n > 1).
    private static func split(_ n: Int) -> Int {
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }
}
