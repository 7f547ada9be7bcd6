import AllianceLedger
import AllianceLedgerHTTP
import ArgumentParser
import Crypto
import Dates
import EmbeddedPostgres
import Foundation
import Logging
import Postgres

/// Loads an invented example alliance, so that a new user has something to read, serve and
/// query straight away, and with `--serve` shows it: five partners of a community mental-health
/// alliance, a year of spend through the bulk import, its budget agreed by a decision one
/// partner first objected to, outcome payments approved, the year's gain shared, and monthly and
/// yearly statements published and co-signed by every partner.
///
/// It does what the rules ask of a real alliance: the operator sets the alliance up and creates
/// each partner's first admin, who adds their partner's people; once the first decision has
/// carried, everything is done by the partners' own people. Being trusted set-up code, it acts
/// as them directly, without tokens.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Load an invented example alliance, and with --serve show it in the browser.",
        discussion: """
            Loads the alliance (default \(DemoData.defaultSlug)) unless it is loaded already, \
            then returns; re-running reuses it, and --reset starts the database over (the \
            embedded cluster only, and only when it holds nothing but the demo). Every name in \
            it is invented. Five partners — a commissioner, an NHS trust, a council and two \
            voluntary organisations — with budget lines for staff, premises, commissioned \
            services, peer support and a crisis safe space; people with roles (an admin, a \
            finance lead and a board member per partner, and an auditor); FY2025's budget set \
            by D-0001, which one partner objected to before approving; gain and pain shares \
            (D-0002) and outcome terms (D-0003), each measure with its reporting partner; the four \
            quarters measured, every figure validated by another partner's finance lead or the \
            auditor (one rejected, then corrected), and their outcome payments approved for the first three (D-0004 to D-0006; the fourth is left to try); FY2025's spend, thousands of invoices imported \
            by each partner's finance lead, three duplicates reversed; the year's gain settled \
            (D-0007); and a statement for each month and for FY2025, published and co-signed by \
            every partner's board with keys made for the demo. With --tokens it prints a token \
            for every person and the operator (shown once). With --serve it then runs the \
            service, every page marked as example data, and prints the public statement's \
            address, its JSON, a curl that records spend with a finance lead's token, and the \
            command that verifies the statement.
            """)

    @OptionGroup var global: GlobalOptions

    @Option(help: "The example alliance's slug.")
    var alliance = DemoData.defaultSlug

    @Flag(help: "Issue and print an API token for every person and for the operator.")
    var tokens = false

    @Flag(help: "Start the database over first: the embedded cluster only, holding only the demo.")
    var reset = false

    @Flag(help: "Then run the service and print where to look.")
    var serve = false

    @Option(
        help: ArgumentHelp(
            "With --serve, the port to listen on, 0 for any free port (env ALLIANCE_LEDGER_HTTP_PORT; default 8080).",
            valueName: "port"))
    var port: String?

    func run() async throws {
        var flags: [SettingKey: String] = [:]
        flags[.httpPort] = port
        let settings = try global.settings(adding: flags)
        let logger = settings.logger()
        if reset { try await Self.reset(settings, keeping: alliance, logger: logger) }
        let session = try await DatabaseSession.open(
            settings, logger: logger,
            serviceStatementTimeoutSeconds: serve ? settings.statementTimeoutSeconds : nil)
        do {
            _ = try await SchemaMigrator.allianceLedger().migrate(session.ownerPool)
            let origin = Statements.origin(publicBaseURL: settings.publicBaseURL, alliance: alliance)
            let loaded: Alliance
            do {
                loaded = try await AllianceDirectory(pool: session.pool).find(slug: alliance)
                say("The demo alliance \(alliance) is loaded already: reusing it (--reset starts over).")
            } catch LedgerError.allianceNotFound {
                loaded = try await DemoLoader(pool: session.pool, slug: alliance, origin: origin).load()
            }
            let people = try await AllianceDirectory(pool: session.pool).people(in: loaded.id)
            if tokens { try await Self.printTokens(people, pool: session.pool) }
            if serve {
                try await Self.serve(
                    loaded, people: people, session: session, settings: settings, logger: logger)
            }
            await session.close()
        } catch {
            await session.close()
            throw error
        }
    }

    /// Every person's token, issued by their partner's admin, and the operator's.
    static func printTokens(_ people: [Person], pool: PostgresPool) async throws {
        let store = TokenStore(pool: pool)
        say("API tokens (shown once):")
        say("  operator  \(try await store.issueOperatorToken())")
        for person in people {
            guard let partner = person.partner else { continue }
            let issued = try await store.issue(for: person, by: try admin(of: partner, among: people))
            say("  \(person.email)  \(issued)")
        }
    }

    static func admin(of partner: String, among people: [Person]) throws -> Caller {
        guard let admin = people.first(where: { $0.partner == partner && $0.roles.contains(.admin) }) else {
            throw CommandFailure(.failure, "the demo alliance has no admin for \(partner)")
        }
        return DemoLoader.acting(as: admin)
    }

    /// Runs the service over the demo, every page marked as example data, and says where to look.
    static func serve(
        _ alliance: Alliance, people: [Person], session: DatabaseSession, settings: Settings, logger: Logger
    ) async throws {
        let publisher = "kestrelford-trust"
        guard let finance = people.first(where: { $0.partner == publisher && $0.roles.contains(.finance) })
        else {
            throw CommandFailure(.failure, "the demo alliance has no finance lead for \(publisher)")
        }
        let token = try await TokenStore(pool: session.pool).issue(
            for: finance, by: try admin(of: publisher, among: people))
        let statements = try await Statements(pool: session.pool).list(in: alliance.id)
        let year = statements.first { $0.period == "FY2025" && $0.state == .published }
        var configuration = HTTPServiceConfiguration(
            host: settings.httpHost, port: settings.httpPort, publicBaseURL: settings.publicBaseURL,
            credentialLifetime: .seconds(settings.credentialSeconds),
            decisionSweepInterval: .seconds(settings.decisionSweepSeconds),
            shutdownGracePeriod: .seconds(settings.shutdownGraceSeconds),
            synchronousPublicationLimit: settings.synchronousPublicationLimit)
        configuration.exampleData = true
        try await HTTPService.run(
            ledger: Ledger(pool: session.pool), configuration: configuration, logger: logger,
            onServerRunning: { port in
                let base = "http://\(settings.httpHost):\(port)"
                let number = year?.number ?? "S-0001"
                let page = "\(base)/public/alliances/\(alliance.slug)/statements/\(number)"
                say(
                    """

                    The demo is served at \(base)/ (invented example data; Ctrl-C stops it).

                    FY2025's statement, co-signed by all five partners:
                      \(page)
                    The same statement as JSON, the exact bytes that were signed:
                      \(page).json

                    Record spend as the Trust's finance lead (\(finance.email)):
                      curl -X POST \(base)/v1/alliances/\(alliance.slug)/spend \\
                        -H 'Authorization: Bearer \(token)' -H 'Content-Type: application/json' \\
                        -H 'Idempotency-Key: demo-spend-1' \\
                        -d '{"partner":"\(publisher)","budgetLine":"STAFF","amount":125000,"incurredOn":"2026-04-14","description":"Agency cover, April"}'

                    Verify the statement with no database:
                      curl -sO \(page).json && swift run alliance-ledger statement verify \(number).json

                    """)
            })
    }

    /// Drops the embedded cluster's database, so the demo loads afresh; refused for a database
    /// given by URL, and for one that holds any alliance but the demo's.
    static func reset(_ settings: Settings, keeping slug: String, logger: Logger) async throws {
        guard case .embedded(let directory) = settings.database else {
            throw CommandFailure(
                .invalidInput,
                "--reset starts over only the embedded cluster; drop a database given by URL yourself")
        }
        let others = try await DatabaseSession.with(settings, logger: logger) { session in
            _ = try await SchemaMigrator.allianceLedger().migrate(session.ownerPool)
            return try await AllianceDirectory(pool: session.pool).alliances().map(\.slug).filter {
                $0 != slug
            }
        }
        guard others.isEmpty else {
            throw CommandFailure(
                .conflict,
                "--reset would delete the alliances \(others.joined(separator: ", ")) too: it starts over only a database that holds nothing but the demo"
            )
        }
        let cluster = EmbeddedPostgres(
            dataDirectory: directory, serverProgramsDirectory: settings.serverPrograms, logger: logger)
        _ = try await cluster.start()
        let connection = try await PostgresConnection.connect(
            PostgresConnectionConfiguration(
                connectionString: try ConnectionString(try cluster.connectionString(database: "postgres")),
                logger: logger))
        do {
            try await connection.execute(
                "DROP DATABASE IF EXISTS \(identifier: cluster.databaseName) WITH (FORCE)")
            await connection.close()
        } catch {
            await connection.close()
            throw error
        }
        say("Reset: the database of \(directory) starts over.")
    }
}

/// Loads the demo alliance, step by step as its people would.
struct DemoLoader {
    let pool: PostgresPool
    let slug: String
    /// The checkpoints' origin, for the statements it publishes.
    let origin: String

    /// A person of the demo as a caller without a token: the demo is trusted set-up code, which
    /// acts as the partners' own people would with theirs.
    static func acting(as person: Person) -> Caller { Caller(identity: .person(person), tokenID: nil) }

    func load() async throws -> Alliance {
        let directory = AllianceDirectory(pool: pool)
        let created = try await directory.create(
            try AllianceRequest(
                slug: slug, name: DemoData.allianceName,
                contractStart: CalendarDate(year: 2025, month: 4, day: 1),
                contractEnd: CalendarDate(year: 2030, month: 3, day: 31)))
        for budgetLine in DemoData.budgetLines {
            try await directory.addBudgetLine(
                try BudgetLineRequest(code: budgetLine.code, name: budgetLine.name), to: created)
        }
        // The operator creates each partner's first admin; the admin adds the partner's people.
        var people: [Person] = []
        func add(_ key: String, _ name: String, partner: String, _ roles: Set<Role>, by caller: Caller)
            async throws -> Person
        {
            let person = try await directory.addPerson(
                try PersonRequest(
                    name: name, email: "\(key)@\(partner).example.org", partner: partner, roles: roles),
                to: created, by: caller)
            people.append(person)
            return person
        }
        for partner in DemoData.partners {
            try await directory.addPartner(
                try PartnerRequest(slug: partner.slug, name: partner.name, kind: partner.kind), to: created)
            let admin = Self.acting(
                as: try await add(
                    "admin", partner.people.admin, partner: partner.slug, [.admin], by: .commandLine))
            _ = try await add(
                "finance", partner.people.finance, partner: partner.slug, [.finance], by: admin)
            _ = try await add(
                "board", partner.people.board, partner: partner.slug, [.board], by: admin)
            if partner.kind == .commissioner {
                _ = try await add(
                    "auditor", "Farah Whitlock-Ng", partner: partner.slug, [.auditor], by: admin)
            }
        }
        func caller(_ role: Role, of partner: String) throws -> Caller {
            guard let found = people.first(where: { $0.partner == partner && $0.roles.contains(role) }) else {
                throw CommandFailure(.failure, "no \(role) person for \(partner)")
            }
            return Self.acting(as: found)
        }
        let board = try DemoData.partners.map { try caller(.board, of: $0.slug) }
        let decisions = Decisions(pool: pool)
        func carry(_ title: String, _ description: String, _ action: DecisionAction) async throws -> Decision
        {
            let decision = try await decisions.propose(
                try DecisionProposal(title: title, description: description, action: action), in: created,
                by: board[0])
            for member in board {
                _ = try await decisions.vote(.approve, on: .id(decision.id), in: created, by: member)
            }
            return decision
        }

        // The budget: Harbour Lights objects, the others approve, and Harbour Lights, reassured,
        // changes its vote; every vote is kept.
        let budget = try await decisions.propose(
            try DecisionProposal(
                title: "Set the FY2025 budget",
                description:
                    "Each partner's budget by line for FY2025, as the board agreed it in March 2025.",
                action: .budgetSet(year: 2025, figures: try DemoData.budget())),
            in: created, by: board[0])
        let harbour = try caller(.board, of: "harbour-lights")
        _ = try await decisions.vote(
            .object, reason: "Peer support is funded for 40 people a month; the waiting list is 65.",
            on: .id(budget.id), in: created, by: harbour)
        for member in board where member != harbour {
            _ = try await decisions.vote(.approve, on: .id(budget.id), in: created, by: member)
        }
        _ = try await decisions.vote(
            .approve, reason: "The board has agreed to review peer support capacity at the half year.",
            on: .id(budget.id), in: created, by: harbour)
        _ = try await carry(
            "Share FY2025's gain and pain",
            "An underspend is shared by the partners' weight in the contract; an overspend likewise, with the "
                + "voluntary organisations' part capped at £50,000 each.",
            .riskShareSetTerms(try DemoData.riskShareTerms()))
        _ = try await carry(
            "Agree FY2025's outcome measures",
            "3% of the contract is paid only as outcomes are achieved: care plans reviewed, fewer out-of-area "
                + "bed-days and better wellbeing scores, measured and paid each quarter.",
            .outcomesSetTerms(try DemoData.outcomeTerms()))

        // The reporting partners' finance leads measure each quarter, and each figure is
        // reviewed by another partner's finance lead: the Council checks the Trust's, the Trust
        // the ICB's. The Council rejects the Trust's first figure for the third quarter's care
        // plans, which missed reviews entered late; the corrected figure is validated by the
        // auditor.
        let outcomeBook = OutcomeBook(pool: pool)
        let measurements = try DemoData.measurements()
        for (index, measurement) in measurements.enumerated() {
            let recorded = try await outcomeBook.record(
                measurement.request, in: created, by: try caller(.finance, of: measurement.partner))
            let reviewer = try caller(
                .finance,
                of: measurement.partner == "kestrelford-trust" ? "kestrelford-council" : "kestrelford-trust")
            let corrected = measurements[(index + 1)...].contains {
                $0.request.measure == recorded.measure && $0.request.period == recorded.period
            }
            if corrected {
                _ = try await outcomeBook.reject(
                    recorded.id,
                    reason: "The review report was extracted before December's late reviews were entered",
                    in: created, by: reviewer)
            } else if index == measurements.count - 1 {
                _ = try await outcomeBook.validate(
                    recorded.id, note: "Re-run report checked against the case records",
                    in: created, by: try caller(.auditor, of: "kestrelford-icb"))
            } else {
                _ = try await outcomeBook.validate(
                    recorded.id, note: "Checked against the source extract", in: created, by: reviewer)
            }
        }

        // Each partner's finance lead imports its year of invoices; three duplicates are
        // recorded by hand, then reversed.
        let importer = SpendImporter(ledger: Ledger(pool: pool))
        var imported = 0
        for partner in DemoData.partners {
            let file = DemoData.spendFile(of: partner)
            let report = try await importer.importSpend(
                from: MemoryByteChunks(Array(file.csv.utf8)), into: created,
                by: try caller(.finance, of: partner.slug),
                mode: .allOrNothing)
            guard report.committed, report.recorded == file.rows else {
                throw CommandFailure(
                    .failure, "the demo's spend for \(partner.slug) did not import: \(report)")
            }
            imported += report.recorded
        }
        let book = SpendBook(ledger: Ledger(pool: pool))
        for (partner, month) in [("kestrelford-council", 6), ("open-door", 9), ("kestrelford-trust", 11)] {
            let day = try Self.day(monthsAfterApril2025: month, day: 14)
            let duplicate = try await book.record(
                try SpendRequest(
                    partner: partner, budgetLine: "PREMISES", amount: 312_480, incurredOn: day,
                    description: "Cleaning contract, \(day.description.prefix(7))",
                    supplier: "Kestrelford Facilities Co-op", reference: "DUP-\(day.description.prefix(7))"),
                in: created, by: try caller(.finance, of: partner))
            _ = try await book.reverse(
                duplicate.id, reason: "Duplicate of the month's facilities invoice; paid once", in: created,
                by: try caller(.finance, of: partner))
        }

        // The year is over: the board approves the first three quarters' outcome payments (the
        // fourth is left to approve) and settles the gain.
        for quarter in 1...3 {
            _ = try await carry(
                "Pay FY2025-Q\(quarter)'s outcome payment",
                "As the quarter's measurements earn it.",
                .outcomePaymentsApprove(period: "FY2025-Q\(quarter)", earned: nil))
        }
        _ = try await carry(
            "Settle FY2025's gain and pain", "As the year's accounts close.",
            .riskShareSettle(year: 2025, partnerSide: nil))

        // A statement for each month and for the year, each co-signed by every partner's board.
        let statements = Statements(pool: pool)
        var keys: [String: Curve25519.Signing.PrivateKey] = [:]
        for partner in DemoData.partners {
            let key = Curve25519.Signing.PrivateKey()
            keys[partner.slug] = key
            _ = try await statements.registerKey(
                key.publicKey.rawRepresentation.base64EncodedString(), for: partner.slug, in: created,
                by: try caller(.board, of: partner.slug))
        }
        let publisher = try caller(.finance, of: "kestrelford-trust")
        let periods =
            try (0..<12).map { try Self.day(monthsAfterApril2025: $0, day: 1).description.prefix(7) }
            .map(String.init) + ["FY2025"]
        for period in periods {
            let listing = try await statements.publish(
                try PublicationRequest(period: period), origin: origin, in: created, by: publisher)
            let checkpoint = try await statements.checkpoint(listing.number, in: created.id)
            for partner in DemoData.partners {
                guard let key = keys[partner.slug] else { continue }
                _ = try await statements.sign(
                    listing.number, key: key.publicKey.rawRepresentation.base64EncodedString(),
                    signature: try key.signature(for: Data(checkpoint.utf8)).base64EncodedString(),
                    in: created,
                    by: try caller(.board, of: partner.slug))
            }
        }
        say(
            "Loaded \(created.slug), \(DemoData.allianceName) (invented): \(DemoData.partners.count) partners, "
                + "\(DemoData.budgetLines.count) budget lines, \(people.count) people, \(imported) spend entries "
                + "imported for FY2025 and 3 duplicates reversed.")
        say(
            "Decisions: \(budget.reference) set the FY2025 budget (harbour-lights objected, then approved); "
                + "D-0002 and D-0003 set the gain/pain shares and outcome terms (every measurement validated by "
                + "another partner or the auditor; FY2025-Q3's first care-plan figure rejected and corrected); "
                + "D-0004 to D-0006 paid the first "
                + "three quarters' outcomes (FY2025-Q4's is left to approve); D-0007 settled the year's gain and pain."
        )
        say(
            "Statements: S-0001 to S-0012 for each month of FY2025 and S-0013 for the year, each co-signed by all "
                + "\(DemoData.partners.count) partners.")
        return created
    }

    /// The given day of the month `offset` months after April 2025.
    static func day(monthsAfterApril2025 offset: Int, day: Int) throws -> CalendarDate {
        let monthsSinceJanuary2025 = 3 + offset
        guard
            let date = CalendarDate(
                year: 2025 + monthsSinceJanuary2025 / 12, month: monthsSinceJanuary2025 % 12 + 1, day: day)
        else { throw CommandFailure(.failure, "no day \(day) in month \(offset) of FY2025") }
        return date
    }
}

/// A line to standard output, written at once: it may be a pipe, whose buffer would hold the
/// demo's lines back while `--serve` runs.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
