import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The journal's tree as the database stores it, in tiles of sixteen hashes (SQL/0024): appended
/// in statements of every awkward size (one at a time, across a tile's end, a whole tile, many
/// tiles at once), its roots, inclusion proofs and consistency proofs are RFC 9162's for every
/// size; the tiles only ever grow; an append to a tree whose tiles were cut short is refused
/// with nothing written; and trees stored node by node upgrade in place, or not at all when a
/// node is missing.
@Suite(.timeLimit(.perTest)) struct TreeTileTests {
    /// 300 leaves fill the first tier's tiles 18 times, the second's once, and begin the third.
    static let entries = 300
    /// Statement sizes, taken in turn: they start and end inside tiles and across them.
    static let statementSizes = [1, 2, 13, 16, 17, 40, 1, 3, 200]

    /// Appends `count` transfers in statements of `sizes` entries in turn, each statement its
    /// own transaction, as the writer and the importer append several entries at once.
    static func append(_ count: Int, inStatementsOf sizes: [Int], _ fixture: LedgerFixture) async throws {
        var appended = 0
        var turn = 0
        while appended < count {
            let size = min(sizes[turn % sizes.count], count - appended)
            turn += 1
            let requests = try (0..<size).map { _ in
                (
                    alliance: fixture.alliance,
                    request: AppendRequest.post(
                        try fixture.transfer(1, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"))
                )
            }
            try await fixture.pool.withTransaction { connection in
                let state = try await LedgerStore.lockAndRead(requests, skipLocked: false, on: connection)
                let head = try #require(state.heads[fixture.alliance])
                var planner = BatchPlanner(
                    alliance: fixture.alliance, headSequence: head.sequence, headHash: head.hash,
                    lastRecordedAt: head.lastRecordedAt, recordedAt: max(head.clock, head.lastRecordedAt),
                    accounts: state.accounts[fixture.alliance] ?? [:],
                    recordedKeys: state.recordedKeys[fixture.alliance] ?? [:], targets: [:])
                let plan = planner.plan(requests.map(\.request))
                try await connection.execute(try LedgerStore.appendStatement(plan.entries))
            }
            appended += size
        }
    }

    /// The journal's leaf hashes, from the entries themselves.
    static func leaves(_ fixture: LedgerFixture) async throws -> [Digest] {
        try await fixture.pool.withConnection { connection in
            try await connection.query(
                "SELECT hash FROM journal_entries WHERE alliance_id = \(fixture.alliance.rawValue) ORDER BY sequence"
            ).map { TreeStore.leaf(try $0.decode("hash", as: Digest.self)) }
        }
    }

    @Test func rootsAndProofsFromTheTilesAreRFC9162sAtEverySize() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await Self.append(Self.entries, inStatementsOf: Self.statementSizes, fixture)
            let leaves = try await Self.leaves(fixture)
            #expect(leaves.count == Self.entries)
            var frontier = MerkleFrontier()
            var roots = [MerkleTree.emptyRoot]
            for leaf in leaves {
                _ = frontier.append(leafHash: leaf)
                roots.append(frontier.root)
            }
            let (tiles, wrongRoots) = try await fixture.pool.withConnection { connection in
                let tiles = try await connection.query(
                    """
                    SELECT tier, count(*) AS tiles, sum(octet_length(hashes)) / 32 AS hashes
                    FROM journal_tree_tiles WHERE alliance_id = \(fixture.alliance.rawValue)
                    GROUP BY tier ORDER BY tier
                    """
                ).map {
                    "\(try $0.decode("tier", as: Int16.self)): \(try $0.decode("tiles", as: Int64.self)) tiles, "
                        + "\(try $0.decode("hashes", as: Int64.self)) hashes"
                }
                var wrong: [Int] = []
                for size in 0...Self.entries
                where try await TreeStore.journal.root(
                    size: Int64(size), in: fixture.alliance, on: connection)
                    != roots[size]
                {
                    wrong.append(size)
                }
                return (tiles, wrong)
            }
            // 300 leaves in 18 full tiles (30 hashes each) and one of 12 (12 + 6 + 3 + 1); 18
            // subtrees of level 4 in one full tile and one of 2 (2 + 1); one of level 8.
            #expect(tiles == ["0: 19 tiles, 562 hashes", "1: 2 tiles, 33 hashes", "2: 1 tiles, 1 hashes"])
            #expect(wrongRoots.isEmpty, "roots wrong at sizes \(wrongRoots.prefix(10))")

            var refused: [String] = []
            try await fixture.pool.withConnection { connection in
                for size in [1, 2, 15, 16, 17, 31, 255, 256, 257, 299, 300] {
                    for leafIndex in 0..<size {
                        let (leaf, proof, root) = try await TreeStore.journal.inclusionProof(
                            leafIndex: Int64(leafIndex), size: Int64(size), in: fixture.alliance,
                            on: connection)
                        guard leaf == leaves[leafIndex], root == roots[size] else {
                            refused.append("leaf \(leafIndex) of \(size): another leaf or root")
                            continue
                        }
                        do {
                            try MerkleTree.verifyInclusion(
                                leafHash: leaves[leafIndex], leafIndex: Int64(leafIndex),
                                treeSize: Int64(size),
                                proof: proof, root: roots[size])
                        } catch {
                            refused.append("leaf \(leafIndex) of \(size): \(error)")
                        }
                    }
                }
                for (old, new) in [
                    (1, 300), (15, 16), (16, 17), (17, 256), (100, 257), (255, 300), (256, 299),
                ] {
                    let proof = try await TreeStore.journal.consistencyProof(
                        from: Int64(old), to: Int64(new), in: fixture.alliance, on: connection)
                    do {
                        try MerkleTree.verifyConsistency(
                            oldSize: Int64(old), oldRoot: roots[old], newSize: Int64(new),
                            newRoot: roots[new],
                            proof: proof)
                    } catch {
                        refused.append("\(old) to \(new): \(error)")
                    }
                }
            }
            #expect(refused.isEmpty, "\(refused.prefix(10))")
            #expect(try await fixture.ledger.verify(fixture.alliance).isIntact)
        }
    }

    /// Past the guard that keeps everyone but the ledger's triggers out, a tile still only
    /// grows: its hashes may be extended, never changed, cut or moved.
    @Test func aTileOnlyGrows() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await Self.append(20, inStatementsOf: [20], fixture)
            let attempts: [PostgresQuery] = [
                "UPDATE journal_tree_tiles SET hashes = sha256(hashes) WHERE tier = 0 AND index = 1",
                "UPDATE journal_tree_tiles SET hashes = substring(hashes FROM 33) || hashes WHERE tier = 0 AND index = 1",
                "UPDATE journal_tree_tiles SET hashes = hashes, index = 7 WHERE tier = 0 AND index = 1",
                "DELETE FROM journal_tree_tiles WHERE tier = 0 AND index = 1",
            ]
            for attempt in attempts {
                let error = await #expect(throws: PostgresError.self, "\(attempt)") {
                    try await fixture.database.pool.withTransaction { connection in
                        try await connection.execute(
                            "ALTER TABLE journal_tree_tiles DISABLE TRIGGER journal_tree_tiles_guard")
                        try await connection.execute(attempt)
                    }
                }
                #expect(error?.sqlState == .insufficientPrivilege, "\(attempt): \(String(describing: error))")
            }
            // Nor may it hold what no run of appends leaves: 7 hashes (4 leaves and the 3
            // subtrees they complete) and 2 more.
            let shape = await #expect(throws: PostgresError.self) {
                try await fixture.database.pool.withTransaction { connection in
                    try await connection.execute(
                        "ALTER TABLE journal_tree_tiles DISABLE TRIGGER journal_tree_tiles_guard")
                    try await connection.execute(
                        "UPDATE journal_tree_tiles SET hashes = hashes || substring(hashes FROM 1 FOR 64) WHERE tier = 0 AND index = 1"
                    )
                }
            }
            #expect(shape?.constraint == "journal_tree_tiles_hashes", "\(String(describing: shape))")
            // Growing is what the ledger's own append does: past the guard, it is let through.
            try await fixture.database.pool.withTransaction { connection in
                try await connection.execute(
                    "ALTER TABLE journal_tree_tiles DISABLE TRIGGER journal_tree_tiles_guard")
                try await connection.execute(
                    "UPDATE journal_tree_tiles SET hashes = hashes || sha256(hashes) WHERE tier = 0 AND index = 1"
                )
            }
        }
    }

    /// A tree whose last tile lost a hash (an edit only a superuser can make) takes no more
    /// leaves: the next append is refused by name and writes nothing.
    @Test func anAppendToATreeCutShortIsRefused() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await Self.append(20, inStatementsOf: [20], fixture)
            try await fixture.database.pool.withConnection { connection in
                try await connection.execute("SET session_replication_role = replica")
                try await connection.execute(
                    "UPDATE journal_tree_tiles SET hashes = substring(hashes FROM 1 FOR 96) WHERE tier = 0 AND index = 1"
                )
                try await connection.execute("RESET session_replication_role")
            }
            let before = try await fixture.snapshot()
            let error = await #expect(throws: PostgresError.self) {
                try await Self.append(1, inStatementsOf: [1], fixture)
            }
            #expect(error?.constraint == "journal_tree_tiles_whole", "\(String(describing: error))")
            #expect(try await fixture.snapshot() == before)
        }
    }

    /// A database of the schema before SQL/0024, its service pool and the migrator of the whole
    /// schema, for `body` to fill and upgrade.
    static func withTheSchemaBeforeTiles(
        _ body: (TestDatabase, PostgresPool, SchemaMigrator) async throws -> Void
    ) async throws {
        try await TestDatabase.with(migrated: false) { database in
            let all = try SchemaMigrator.allianceLedger()
            _ = try await SchemaMigrator(migrations: all.migrations.filter { $0.version < 24 }).migrate(
                database.pool)
            let pool = database.makeServicePool(maximumConnections: 2)
            do {
                try await body(database, pool, all)
            } catch {
                await pool.close()
                throw error
            }
            await pool.close()
        }
    }

    /// A database whose trees SQL/0010 stored node by node upgrades in place: every root of
    /// the journal's and the governance log's trees at every size is the same from the tiles,
    /// and appends continue the tiles where the carried hashes end.
    @Test func treesOfNodesUpgradeToTilesInPlace() async throws {
        try await Self.withTheSchemaBeforeTiles { database, pool, all in
            let directory = AllianceDirectory(pool: pool)
            let alliance = try await directory.create(slug: "upgraded", name: "Upgraded Alliance")
            let ledger = Ledger(pool: pool)
            // A line and partners: their accounts, and records in the governance log.
            try await directory.addBudgetLine(
                try BudgetLineRequest(code: "STAFF", name: "Staff"), to: alliance)
            for slug in ["slam", "lambeth", "mind"] {
                try await directory.addPartner(
                    try PartnerRequest(slug: slug, name: slug, kind: .other), to: alliance)
            }
            let fixture = LedgerFixture(
                database: database, pool: pool, ledger: ledger, alliance: alliance.id)
            try await Self.append(37, inStatementsOf: [5, 16, 1, 15], fixture)
            let before = try await Self.roots(fixture)
            #expect(before.journal.count == 38 && before.governance.count > 1)

            _ = try await all.migrate(database.pool)

            #expect(try await Self.stored(fixture, sizes: before) == before)
            try await Self.append(30, inStatementsOf: [3, 27], fixture)
            let after = try await Self.roots(fixture)
            #expect(Array(after.journal.prefix(38)) == before.journal)
            #expect(try await Self.stored(fixture, sizes: after) == after)
            #expect(try await ledger.verify(alliance.id).isIntact)
        }
    }

    /// An old tree that lost a node (an edit only a superuser can make) is not carried: the
    /// upgrade stops, names the tree, and leaves the database as it was.
    @Test func anOldTreeMissingANodeIsNotCarried() async throws {
        try await Self.withTheSchemaBeforeTiles { database, pool, all in
            let alliance = try await AllianceDirectory(pool: pool).create(
                slug: "upgraded", name: "Upgraded")
            let ledger = Ledger(pool: pool)
            for (code, type, floor) in LedgerTests.accounts {
                try await ledger.openAccount(
                    try AccountCode(code), type: type, floor: floor, in: alliance.id)
            }
            let fixture = LedgerFixture(
                database: database, pool: pool, ledger: ledger, alliance: alliance.id)
            try await Self.append(6, inStatementsOf: [6], fixture)
            try await database.pool.withConnection { connection in
                try await connection.execute("SET session_replication_role = replica")
                try await connection.execute(
                    "DELETE FROM journal_tree_nodes WHERE level = 1 AND index = 2")
                try await connection.execute("RESET session_replication_role")
            }
            let error = await #expect(throws: SchemaMigrationError.self) {
                _ = try await all.migrate(database.pool)
            }
            if case .migrationFailed(let name, _, let reason) = error {
                #expect(name == "0024_tree_tiles.sql")
                #expect(
                    reason.contains(
                        "the stored alliance \(alliance.id.rawValue)'s journal tree lacks hashes"),
                    "\(reason)")
            } else {
                Issue.record("another error: \(String(describing: error))")
            }
            let versions = try await database.pool.withConnection { connection in
                try await connection.query("SELECT max(version) AS version FROM schema_migrations")
                    .single()
                    .decode("version", as: Int32.self)
            }
            #expect(versions == 23)
        }
    }

    /// The roots of the journal's and the governance log's trees at every size from 0, from
    /// their leaves (an entry's leaf hash; a record's hash, which is its leaf hash already).
    static func roots(_ fixture: LedgerFixture) async throws -> (journal: [Digest], governance: [Digest]) {
        let records = try await fixture.database.pool.withConnection { connection in
            try await connection.query(
                "SELECT hash FROM governance_log WHERE alliance_id = \(fixture.alliance.rawValue) ORDER BY sequence"
            ).map { try $0.decode("hash", as: Digest.self) }
        }
        func roots(_ leaves: [Digest]) -> [Digest] {
            var frontier = MerkleFrontier()
            return [frontier.root]
                + leaves.map { leaf in
                    _ = frontier.append(leafHash: leaf)
                    return frontier.root
                }
        }
        return (roots(try await leaves(fixture)), roots(records))
    }

    /// The same roots as the stored trees make them.
    static func stored(_ fixture: LedgerFixture, sizes: (journal: [Digest], governance: [Digest]))
        async throws
        -> (journal: [Digest], governance: [Digest])
    {
        try await fixture.pool.withConnection { connection in
            var journal: [Digest] = []
            for size in sizes.journal.indices {
                journal.append(
                    try await TreeStore.journal.root(size: Int64(size), in: fixture.alliance, on: connection))
            }
            var governance: [Digest] = []
            for size in sizes.governance.indices {
                governance.append(
                    try await TreeStore.governance.root(
                        size: Int64(size), in: fixture.alliance, on: connection))
            }
            return (journal, governance)
        }
    }
}

/// The upper tiles of trees proved before, kept between proofs (`TreeTileCache`): the proofs
/// they make are the same, they spare every later proof of the tree all but its first tier's
/// tiles, they are never used for a tree of the same size with another history, and they are
/// bounded.
@Suite(.timeLimit(.perTest)) struct TreeTileCacheTests {
    @Test func proofsFromKeptTilesAreTheSameAndReadOnlyTheFirstTier() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { fixture in
            try await TreeTileTests.append(TreeTileTests.entries, inStatementsOf: [50], fixture)
            let cache = TreeTileCache()
            var wrong: [String] = []
            var readAbove: [String] = []
            try await fixture.pool.withConnection { connection in
                for size: Int64 in [1, 16, 17, 255, 256, 257, 300] {
                    // Twice round: the first fills the cache, the second is made of it.
                    for round in 1...2 {
                        for leafIndex in 0..<size {
                            let expected = try await TreeStore.journal.inclusionProof(
                                leafIndex: leafIndex, size: size, in: fixture.alliance, on: connection)
                            let reading = try TreeStore.journal.inclusionProofReading(
                                leafIndex: leafIndex, size: size, in: fixture.alliance, keptIn: cache)
                            let rows = try await connection.binaryPipeline([reading.query])[0]
                            guard let found = try reading.proof(rows) else {
                                wrong.append("leaf \(leafIndex) of \(size): no proof")
                                continue
                            }
                            if found != expected {
                                wrong.append("leaf \(leafIndex) of \(size), round \(round)")
                            }
                            // The leaf's tile and the last leaf's, of the first tier, and the
                            // leaf's of the second unless it is that tier's last.
                            if round == 2,
                                reading.tiles.count > 3 || reading.tiles.filter({ $0.tier > 0 }).count > 1
                                    || reading.tiles.contains(where: { $0.tier > 1 })
                            {
                                readAbove.append("leaf \(leafIndex) of \(size): \(reading.tiles)")
                            }
                        }
                    }
                }
            }
            #expect(wrong.isEmpty, "\(wrong.prefix(10))")
            #expect(readAbove.isEmpty, "\(readAbove.prefix(5))")
        }
    }

    /// Two databases whose alliance has grown to the same size with other entries: as one
    /// database looks after a failover that lost its last writes and then grew again. Tiles
    /// kept from the first must not make the second's proofs.
    @Test func tilesKeptOfAnotherHistoryAreNotUsed() async throws {
        try await LedgerFixture.with(accounts: LedgerTests.accounts) { first in
            try await LedgerFixture.with(accounts: LedgerTests.accounts) { second in
                #expect(first.alliance == second.alliance)
                for (fixture, amount) in [(first, Int64(1)), (second, 2)] {
                    for _ in 0..<41 {
                        _ = try await fixture.ledger.post(
                            try fixture.transfer(
                                amount, from: "partner:slam:funding", to: "partner:slam:cost:STAFF"),
                            to: fixture.alliance)
                    }
                }
                let cache = TreeTileCache()
                let fromFirst = Statements(pool: first.pool, clock: { Timestamp(Date()) }, treeTiles: cache)
                let fromSecond = Statements(pool: second.pool, clock: { Timestamp(Date()) }, treeTiles: cache)
                let secondAlone = Statements(pool: second.pool)
                // 41 = 32 + 8 + 1: the cache keeps the tree's right edge, the root and the node
                // of entries 33 to 41, entry 1's last sibling.
                let firstProof = try await fromFirst.inclusionProof(
                    sequence: 1, treeSize: 41, in: first.alliance)
                let expected = try await secondAlone.inclusionProof(
                    sequence: 1, treeSize: 41, in: second.alliance)
                #expect(firstProof.proof[5] != expected.proof[5] && firstProof.root != expected.root)
                for _ in 1...2 {
                    #expect(
                        try await fromSecond.inclusionProof(sequence: 1, treeSize: 41, in: second.alliance)
                            == expected)
                    // And the first's proofs are still its own.
                    #expect(
                        try await fromFirst.inclusionProof(sequence: 1, treeSize: 41, in: first.alliance)
                            == firstProof)
                }
                // A proof in the journal as it is keeps nothing: the next entry makes another tree.
                let tree = TreeTileCache.Tree(
                    table: "journal_tree_tiles", alliance: second.alliance, size: 41)
                let fresh = Statements(
                    pool: second.pool, clock: { Timestamp(Date()) }, treeTiles: TreeTileCache())
                #expect(
                    try await fresh.inclusionProof(sequence: 1, treeSize: nil, in: second.alliance)
                        == expected)
                #expect(fresh.treeTiles.kept(tree) == nil)
                _ = try await fresh.inclusionProof(sequence: 1, treeSize: 41, in: second.alliance)
                #expect(fresh.treeTiles.kept(tree) != nil)
            }
        }
    }

    @Test func keptAreTheTilesOfTierTwoAndAbove() {
        #expect(!TreeTileCache.keeps(MerkleTile(tier: 0, index: 0)))
        #expect(!TreeTileCache.keeps(MerkleTile(tier: 1, index: 3)))
        #expect(TreeTileCache.keeps(MerkleTile(tier: 2, index: 0)))
        #expect(TreeTileCache.keeps(MerkleTile(tier: 4, index: 1)))
    }

    @Test func theCacheIsBounded() throws {
        let cache = TreeTileCache(trees: 2, tilesPerTree: 3)
        let leaf = MerkleTree.emptyRoot
        let tiles = Dictionary(
            uniqueKeysWithValues: (0..<5).map {
                (MerkleTile(tier: 2, index: $0), [UInt8](repeating: 1, count: 32))
            })
        let trees = (1...3).map {
            TreeTileCache.Tree(table: "journal_tree_tiles", alliance: AllianceID(1), size: 100_000 * $0)
        }
        cache.keep(tiles, edges: [:], of: trees[0], lastLeaf: leaf)
        #expect(cache.kept(trees[0])?.tiles.count == 3)
        cache.keep(tiles, edges: [:], of: trees[1], lastLeaf: leaf)
        _ = cache.kept(trees[0])
        cache.keep(tiles, edges: [:], of: trees[2], lastLeaf: leaf)
        // The least recently used went.
        #expect(cache.kept(trees[0]) != nil)
        #expect(cache.kept(trees[1]) == nil)
        #expect(cache.kept(trees[2]) != nil)
    }
}
