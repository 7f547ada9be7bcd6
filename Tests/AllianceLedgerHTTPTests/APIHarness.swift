import AllianceLedger
import AllianceLedgerHTTP
import Foundation
import Hummingbird
import Logging
import Postgres
import TestSupport
import Testing

/// The service on a free port, over a test's own database on the service's restricted role,
/// spoken to over real HTTP.
struct APIHarness: Sendable {
    let database: TestDatabase
    let port: Int
    let operatorToken: String

    struct Answer: Sendable {
        let status: Int
        let headers: [String: String]
        let body: String

        /// The body as a JSON object; fails the test when it is not one.
        func json() throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(body.utf8))
            return try #require(object as? [String: Any], "not a JSON object: \(body)")
        }

        func items() throws -> [[String: Any]] {
            try #require(try json()["items"] as? [[String: Any]], "no items: \(body)")
        }

        /// Checks the answer is the problem `type` with `status`, naming `field` if given.
        func expectProblem(
            _ status: Int, _ type: String, field: String? = nil,
            sourceLocation: SourceLocation = #_sourceLocation
        ) throws {
            #expect(self.status == status, "\(body)", sourceLocation: sourceLocation)
            #expect(
                headers["content-type"] == "application/problem+json", "\(headers)",
                sourceLocation: sourceLocation)
            #expect(!body.contains("\\/"), "slashes are not escaped: \(body)", sourceLocation: sourceLocation)
            let problem = try json()
            #expect(problem["type"] as? String == type, "\(body)", sourceLocation: sourceLocation)
            #expect(problem["status"] as? Int == status, sourceLocation: sourceLocation)
            #expect((problem["title"] as? String)?.isEmpty == false, sourceLocation: sourceLocation)
            if let field {
                #expect(problem["field"] as? String == field, "\(body)", sourceLocation: sourceLocation)
            }
        }
    }

    /// Changes to the service's default configuration, for tests of its limits.
    typealias Tuning = @Sendable (inout HTTPServiceConfiguration) -> Void

    /// What the public pages and files read through.
    enum PublicReads: Sendable {
        /// The service's own pool, as without `database.readUrl`.
        case servicePool
        /// A pool of their own whose sessions cannot write, as a standby's cannot.
        case readOnlySessions
        /// A pool of their own whose server cannot be reached, as a standby that is down.
        case unreachable

        func pool(on database: TestDatabase) throws -> PostgresPool? {
            switch self {
            case .servicePool:
                return nil
            case .readOnlySessions:
                var connection = database.configuration(role: Ledger.serviceRole)
                connection.connectionString = try connection.connectionString.setting(
                    "options", to: "-c default_transaction_read_only=on")
                return PostgresPool(PostgresPoolConfiguration(connection: connection, maximumConnections: 2))
            case .unreachable:
                return try TestCluster.unreachablePool(maximumConnections: 1)
            }
        }
    }

    /// `credentialLifetime` zero makes a change to a caller's roles or tokens count on their
    /// very next request, for tests that act on such a change at once.
    static func with(
        decisionSweepInterval: Duration = .seconds(30), credentialLifetime: Duration = .seconds(2),
        logger: Logger = TestCluster.logger, tuning: @escaping Tuning = { _ in },
        statementTimeoutMilliseconds: Int? = nil, publicReads: PublicReads = .servicePool,
        _ body: @escaping @Sendable (APIHarness) async throws -> Void
    ) async throws {
        try await TestDatabase.with { database in
            let pool = database.makeServicePool(statementTimeoutMilliseconds: statementTimeoutMilliseconds)
            let readPool = try publicReads.pool(on: database)
            do {
                let operatorToken = try await TokenStore(pool: pool).issueOperatorToken()
                try await serving(
                    pool, publicReads: readPool, decisionSweepInterval: decisionSweepInterval,
                    credentialLifetime: credentialLifetime,
                    logger: logger, tuning: tuning
                ) { port in
                    try await body(APIHarness(database: database, port: port, operatorToken: operatorToken))
                }
            } catch {
                await pool.close()
                await readPool?.close()
                throw error
            }
            await pool.close()
            await readPool?.close()
        }
    }

    /// Runs the service over `pool` on a free port while `body` talks to it, then stops it.
    static func serving(
        _ pool: PostgresPool, publicReads: PostgresPool? = nil,
        decisionSweepInterval: Duration = .seconds(30),
        credentialLifetime: Duration = .seconds(2), logger: Logger = TestCluster.logger,
        tuning: Tuning = { _ in },
        _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var configuration = HTTPServiceConfiguration(
            host: "127.0.0.1", port: 0, publicBaseURL: "http://127.0.0.1",
            credentialLifetime: credentialLifetime, decisionSweepInterval: decisionSweepInterval)
        // Tests read a public page right after changing what it shows.
        configuration.publicPageLifetime = .zero
        tuning(&configuration)
        let application = HTTPService.application(
            ledger: Ledger(pool: pool), publicReads: publicReads,
            configuration: configuration,
            logger: logger,
            onServerRunning: { port in portContinuation.yield(port) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await application.run() }
            var ports = portStream.makeAsyncIterator()
            let port = try #require(await ports.next())
            try await body(port)
            group.cancelAll()
        }
    }

    /// `timeout`: how long the client waits for the server to say anything.
    func request(
        _ method: String, _ path: String, json: String? = nil, token: String? = nil,
        headers: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async throws -> Answer {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        if json != nil, headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        let answer = try await HTTPProbe.request(
            method, port: port, path: path, body: json, headers: headers, timeout: timeout)
        return Answer(status: answer.status, headers: answer.headers, body: answer.body)
    }

    func get(_ path: String, token: String?) async throws -> Answer {
        try await request("GET", path, token: token)
    }

    func post(_ path: String, _ json: String, token: String?, headers: [String: String] = [:]) async throws
        -> Answer
    {
        try await request("POST", path, json: json, token: token, headers: headers)
    }

    /// Posts and requires a 201, answering the created object.
    @discardableResult
    func create(
        _ path: String, _ json: String, token: String?, sourceLocation: SourceLocation = #_sourceLocation
    )
        async throws -> [String: Any]
    {
        let answer = try await post(path, json, token: token)
        #expect(answer.status == 201, "\(path): \(answer.body)", sourceLocation: sourceLocation)
        return try answer.json()
    }
}

/// The five-partner alliance of docs/http-api.md's walkthrough, set up over HTTP by the operator while
/// the alliance is being set up (nothing has carried), with a token for each person.
struct AllianceSetUp: Sendable {
    static let slug = "lambeth-living-well"
    static let base = "/v1/alliances/\(slug)"
    static let partners: [(slug: String, name: String, kind: String)] = [
        ("sel-icb", "South East London ICB", "commissioner"),
        ("slam", "South London and Maudsley NHS FT", "nhs-provider"),
        ("lambeth", "Lambeth Council", "local-authority"),
        ("certitude", "Certitude", "vcse"),
        ("thamesreach", "Thames Reach", "vcse"),
    ]
    /// Person key, partner, roles.
    static let people: [(key: String, partner: String, roles: [String])] = [
        ("admin", "sel-icb", ["admin"]),
        ("finance-slam", "slam", ["finance"]),
        ("board-slam", "slam", ["board"]),
        ("finance-lambeth", "lambeth", ["finance", "board"]),
        ("auditor", "sel-icb", ["auditor"]),
    ]

    let api: APIHarness
    let tokens: [String: String]
    let personIDs: [String: Int]

    func token(_ key: String) throws -> String {
        try #require(tokens[key], "no token for \(key)")
    }

    static func with(
        decisionSweepInterval: Duration = .seconds(30), credentialLifetime: Duration = .seconds(2),
        tuning: @escaping APIHarness.Tuning = { _ in }, statementTimeoutMilliseconds: Int? = nil,
        publicReads: APIHarness.PublicReads = .servicePool,
        _ body: @escaping @Sendable (AllianceSetUp) async throws -> Void
    ) async throws {
        try await APIHarness.with(
            decisionSweepInterval: decisionSweepInterval, credentialLifetime: credentialLifetime,
            tuning: tuning, statementTimeoutMilliseconds: statementTimeoutMilliseconds,
            publicReads: publicReads
        ) { api in
            try await body(try await make(api))
        }
    }

    static func make(_ api: APIHarness) async throws -> AllianceSetUp {
        let root = api.operatorToken
        try await api.create(
            "/v1/alliances",
            #"{"slug":"\#(slug)","name":"Lambeth Living Well Network Alliance","currency":"GBP","#
                + #""financialYearStartMonth":4,"contractStart":"2025-04-01","contractEnd":"2030-03-31","#
                + #""abstention":"blocks"}"#,
            token: root)
        for partner in partners {
            try await api.create(
                "\(base)/partners",
                #"{"slug":"\#(partner.slug)","name":"\#(partner.name)","kind":"\#(partner.kind)"}"#,
                token: root)
        }
        for (code, name) in [("STAFF", "Staff"), ("PREMISES", "Premises")] {
            try await api.create(
                "\(base)/budget-lines", #"{"code":"\#(code)","name":"\#(name)"}"#, token: root)
        }
        var tokens: [String: String] = [:]
        var ids: [String: Int] = [:]
        for person in people {
            let roles = person.roles.map { "\"\($0)\"" }.joined(separator: ",")
            let created = try await api.create(
                "\(base)/people",
                #"{"name":"\#(person.key)","email":"\#(person.key)@example.org","partner":"\#(person.partner)","roles":[\#(roles)]}"#,
                token: root)
            let id = try #require(created["id"] as? Int)
            ids[person.key] = id
            let issued = try await api.create("\(base)/people/\(id)/tokens", "{}", token: root)
            tokens[person.key] = try #require(issued["token"] as? String)
        }
        return AllianceSetUp(api: api, tokens: tokens, personIDs: ids)
    }

    /// A spend body for `partner`; `extra` adds or replaces fields.
    static func spend(
        partner: String = "slam", line: String = "STAFF", amount: String = "123456",
        incurredOn: String = "2025-05-14",
        reference: String = "INV-1"
    ) -> String {
        #"{"partner":"\#(partner)","budgetLine":"\#(line)","amount":\#(amount),"incurredOn":"\#(incurredOn)","#
            + #""description":"Agency staff, May","supplier":"Acme Staffing","reference":"\#(reference)"}"#
    }
}

/// `AllianceSetUp` as issue 13 means an alliance to be set up: the operator gives every partner
/// its first admin while the alliance is set up, and each admin then appoints its own partner's
/// board member with its own token. Nothing has carried yet. The service reads every token
/// afresh (no credential lifetime), so a change to someone's roles counts on their next request.
struct GovernedSetUp: Sendable {
    /// A person and their first token, and the token's id (to revoke it).
    struct Member: Sendable {
        let id: Int
        let token: String
        let tokenID: Int
    }

    let setUp: AllianceSetUp
    /// Every partner's admin, by partner slug: the set-up's own for sel-icb.
    let admins: [String: Member]
    /// Every partner's board member, by partner slug: the set-up's for slam and lambeth.
    let board: [String: Member]

    var api: APIHarness { setUp.api }

    static let base = AllianceSetUp.base
    static let partners = AllianceSetUp.partners.map(\.slug)

    func admin(_ partner: String) throws -> Member {
        try #require(admins[partner], "no admin of \(partner)")
    }

    func boardMember(_ partner: String) throws -> Member {
        try #require(board[partner], "no board member of \(partner)")
    }

    static func with(
        tuning: @escaping APIHarness.Tuning = { _ in }, publicReads: APIHarness.PublicReads = .servicePool,
        _ body: @escaping @Sendable (GovernedSetUp) async throws -> Void
    ) async throws {
        try await AllianceSetUp.with(credentialLifetime: .zero, tuning: tuning, publicReads: publicReads) {
            setUp in
            try await body(try await make(setUp))
        }
    }

    static func make(_ setUp: AllianceSetUp) async throws -> GovernedSetUp {
        let api = setUp.api
        var admins = ["sel-icb": try await existing("admin", of: setUp)]
        for partner in partners where admins[partner] == nil {
            admins[partner] = try await appoint(
                "admin-\(partner)", of: partner, roles: ["admin"], by: api.operatorToken, on: api)
        }
        var board = [
            "slam": try await existing("board-slam", of: setUp),
            "lambeth": try await existing("finance-lambeth", of: setUp),
        ]
        for partner in partners where board[partner] == nil {
            let admin = try #require(admins[partner])
            board[partner] = try await appoint(
                "board-\(partner)", of: partner, roles: ["board"], by: admin.token, on: api)
        }
        return GovernedSetUp(setUp: setUp, admins: admins, board: board)
    }

    /// A person of `AllianceSetUp`, with the id of their token.
    private static func existing(_ key: String, of setUp: AllianceSetUp) async throws -> Member {
        let id = try #require(setUp.personIDs[key])
        let token = try setUp.token(key)
        let caller = try await TokenStore(pool: setUp.api.database.pool).authenticate(token)
        return Member(id: id, token: token, tokenID: Int(try #require(caller.tokenID)))
    }

    /// Adds a person to `partner` with `roles` and issues their first token, both as the holder
    /// of `token`.
    static func appoint(
        _ name: String, of partner: String, roles: [String], by token: String, on api: APIHarness
    ) async throws -> Member {
        let person = try await api.create(
            "\(base)/people", Self.person(name, of: partner, roles: roles), token: token)
        let id = try #require(person["id"] as? Int)
        return try await firstToken(of: id, by: token, on: api)
    }

    /// A person's request: `name`, at `name@example.org`, of `partner`, with `roles`.
    static func person(_ name: String, of partner: String, roles: [String]) -> String {
        let list = roles.map { "\"\($0)\"" }.joined(separator: ",")
        return
            #"{"name":"\#(name)","email":"\#(name)@example.org","partner":"\#(partner)","roles":[\#(list)]}"#
    }

    /// Issues a token for person `id` as the holder of `token`.
    static func firstToken(of id: Int, by token: String, on api: APIHarness) async throws -> Member {
        let issued = try await api.post("\(base)/people/\(id)/tokens", "{}", token: token)
        #expect(issued.status == 201, "\(issued.body)")
        let location = try #require(issued.headers["location"])
        let tokenID = try #require(location.split(separator: "/").last.flatMap { Int($0) })
        return Member(id: id, token: try #require(try issued.json()["token"] as? String), tokenID: tokenID)
    }

    /// Proposes `body` as slam's board member and has every partner of the electorate approve
    /// it; answers the decision as the last vote left it.
    @discardableResult
    func carry(_ body: String) async throws -> [String: Any] {
        let decisions = "\(Self.base)/decisions"
        let proposed = try await api.create(decisions, body, token: try boardMember("slam").token)
        let id = try #require(proposed["id"] as? Int)
        let electorate = try #require(proposed["electorate"] as? [String])
        var last = proposed
        for partner in electorate {
            last = try await api.create(
                "\(decisions)/\(id)/votes", #"{"vote":"approve"}"#, token: try boardMember(partner).token)
        }
        #expect(last["state"] as? String == "carried", "\(last)")
        return last
    }

    /// The alliance's first carried decision, a resolution: the operator's set-up window closes.
    func closeSetUp() async throws {
        try await carry(#"{"title":"The alliance is set up"}"#)
    }
}
