import AllianceLedger
import Foundation
import Postgres

// The reader's own work in an inclusion proof, without the database: what
// `TreeStore.inclusionProofReading` does with the tiles a proof reads (SQL/0024). Plans the
// path and the root, finds the tiles, takes each as PostgreSQL sends it (the binary `bytea` of
// a full tile), takes every subtree's hash from its tile, and makes the proof and the root, as
// hex, for leaves spread over the tree (7919 × call mod size, as `flat-cost-benchmark` picks
// them). Printed per tree size, each against the smallest measured in the same run: how much
// of a proof's growth with the journal is the service's, not PostgreSQL's.
//
//     swift build --package-path Benchmarks -c release --product proof-work-benchmark
//     Benchmarks/.build/release/proof-work-benchmark

let clock = ContinuousClock()
let sizes: [Int64] = [10_800, 100_000, 1_000_000, 3_000_000]
let calls = 20_000
let rounds = 5

func microseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
}

/// The median over `rounds` of the mean time of one proof's work, in µs.
func proofWork(size: Int64) throws -> (microseconds: Double, tiles: Double) {
    let full = [UInt8](repeating: 0xab, count: 32 * MerkleTile.capacity)
    var means: [Double] = []
    var tiles = 0
    for _ in 0..<rounds {
        tiles = 0
        var kept = 0
        let start = clock.now
        for call in 0..<calls {
            let leafIndex = Int64(call + 1) * 7919 % size
            let path = try MerkleTree.inclusionPath(leafIndex: leafIndex, treeSize: size)
            let root = try MerkleTree.rootNode(treeSize: size)
            let list = Array(
                path.subtrees.union(root.subtrees).union([MerkleSubtree(level: 0, index: leafIndex)]))
            let read = Set(list.map { MerkleTile.holding($0).tile })
            tiles += read.count
            var bytes: [MerkleTile: [UInt8]] = [:]
            for tile in read { bytes[tile] = Array(full[...]) }
            var stored: [MerkleSubtree: Digest] = [:]
            for subtree in list {
                let (tile, position) = MerkleTile.holding(subtree)
                if let tile = bytes[tile] {
                    stored[subtree] = Digest(Array(tile[32 * position..<32 * (position + 1)]))
                }
            }
            let proof = try path.hashes(from: stored).map(\.description)
            kept += proof.count + (try root.hash(from: stored)).description.count
        }
        means.append(microseconds(clock.now - start) / Double(calls))
        precondition(kept > 0)
    }
    return (means.sorted()[rounds / 2], Double(tiles) / Double(calls))
}

print("proof-work-benchmark: \(calls) proofs per size, median of \(rounds) rounds")
var first: Double?
print("| tree size | tiles read | µs per proof | ÷ the smallest |")
print("|---|---|---|---|")
for size in sizes {
    let (work, tiles) = try proofWork(size: size)
    let base = first ?? work
    first = base
    print(
        "| \(size) | \(String(format: "%.1f", tiles)) | \(String(format: "%.1f", work)) | \(String(format: "%.2f", work / base)) |"
    )
}
