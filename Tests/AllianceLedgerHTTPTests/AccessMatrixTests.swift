import AllianceLedger
import Crypto
import Foundation
import Postgres
import TestSupport
import Testing

/// Every operation of the service against every kind of caller, from one table: the status each
/// cell answers. The HTTP guide (docs/http-api.md) prints the same table (its block is rendered from this one, and a
/// test holds the two together), so the documented access rules cannot drift from the served ones.
///
/// The alliance is past its set-up (its first decision, FY2025's outcome terms, has carried), so
/// the operator's set-up powers have ended. A request that targets a partner's things (its spend,
/// its people, a decision it proposed) targets slam's; "own" callers are slam's people, "other"
/// callers lambeth's. Each cell gets a request of its own (a fresh person to remove, a fresh
/// decision to vote on, …), so no cell depends on another's outcome.
@Suite(.timeLimit(.perTest)) struct AccessMatrixTests {
    static let base = AllianceSetUp.base
    static let own = "slam"
    static let other = "lambeth"
    static let otherAlliance = "matrix-other-alliance"

    /// The matrix's columns: who asks.
    enum CallerKind: String, CaseIterable, Sendable {
        case none
        case malformed
        case unknown
        case revoked
        case expired
        case `operator`
        case adminOwn = "admin own"
        case adminOther = "admin other"
        case financeOwn = "finance own"
        case financeOther = "finance other"
        case boardOwn = "board own"
        case boardOther = "board other"
        case auditorOwn = "auditor own"
        case auditorOther = "auditor other"
        case otherAdmin = "B admin"
        case otherFinance = "B finance"
        case otherBoard = "B board"
        case otherAuditor = "B auditor"
    }

    /// One line per operation: the operation (`…` is `/v1/alliances/{alliance}`), then the status
    /// of each column in the order of `CallerKind.allCases` (the `#` line names them: + own
    /// partner, - another, B another alliance). 200/201 done, 401 unauthenticated, 403 refused to
    /// this caller, 422 refused with the row or field named.
    static let table = """
        # operation                                       non mal unk rev exp ope ad+ ad- fi+ fi- bo+ bo- au+ au- Bad Bfi Bbo Bau
        GET /healthz                                      200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /readyz                                       200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /openapi.json                                 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /                                             200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /public/alliances/{alliance}                  200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /public/alliances/{alliance}/statements/{number} 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /public/alliances/{alliance}/statements/{number}.json 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /public/alliances/{alliance}/statements/{number}/{file} 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        GET /public/alliances/{alliance}/statements/{number}.zip 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200 200
        POST /v1/alliances                                401 401 401 401 401 201 403 403 403 403 403 403 403 403 403 403 403 403
        GET /v1/tokens                                    401 401 401 401 401 200 403 403 403 403 403 403 403 403 403 403 403 403
        POST /v1/tokens/{token}/revocation                401 401 401 401 401 200 403 403 403 403 403 403 403 403 403 403 403 403
        GET …                                             401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/partners                                   401 401 401 401 401 403 403 403 403 403 403 403 403 403 403 403 403 403
        GET …/partners                                    401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/partners/{partner}                          401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/budget-lines                               401 401 401 401 401 403 403 403 403 403 403 403 403 403 403 403 403 403
        GET …/budget-lines                                401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/budget-lines/{code}                         401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/people                                     401 401 401 401 401 403 201 403 403 403 403 403 403 403 403 403 403 403
        GET …/people                                      401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        GET …/people/{person}                             401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        PATCH …/people/{person}                           401 401 401 401 401 403 200 403 403 403 403 403 403 403 403 403 403 403
        POST …/people/{person}/removal                    401 401 401 401 401 403 200 403 403 403 403 403 403 403 403 403 403 403
        POST …/people/{person}/tokens                     401 401 401 401 401 403 201 403 403 403 403 403 403 403 403 403 403 403
        GET …/people/{person}/tokens/{token}              401 401 401 401 401 200 200 200 403 403 403 403 403 403 403 403 403 403
        POST …/people/{person}/tokens/{token}/revocation  401 401 401 401 401 200 200 403 403 403 403 403 403 403 403 403 403 403
        GET …/budgets                                     401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/budgets/history                             401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/decisions                                  401 401 401 401 401 403 403 403 403 403 201 201 403 403 403 403 403 403
        GET …/decisions                                   401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/decisions/{id}                              401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/decisions/{id}/votes                       401 401 401 401 401 403 403 403 403 403 201 201 403 403 403 403 403 403
        POST …/decisions/{id}/withdrawal                  401 401 401 401 401 403 403 403 403 403 200 403 403 403 403 403 403 403
        POST …/spend                                      401 401 401 401 401 403 403 403 201 403 403 403 403 403 403 403 403 403
        GET …/spend                                       401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/spend/{id}                                  401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/spend/{id}/reversal                        401 401 401 401 401 403 403 403 201 403 403 403 403 403 403 403 403 403
        POST …/spend/imports                              401 401 401 401 401 403 403 403 200 422 403 403 403 403 403 403 403 403
        GET …/balances                                    401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        GET …/journal                                     401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        GET …/journal/{sequence}                          401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        GET …/verify                                      401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        GET …/audit                                       401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        GET …/audit/verify                                401 401 401 401 401 200 200 200 403 403 403 403 200 200 403 403 403 403
        GET …/outcomes/terms                              401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/outcomes/measurements                      401 401 401 401 401 403 403 403 201 403 403 403 403 403 403 403 403 403
        GET …/outcomes/measurements                       401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/outcomes/measurements/{id}                  401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/outcomes/measurements/{id}/validation      401 401 401 401 401 403 403 403 403 201 403 403 403 201 403 403 403 403
        POST …/outcomes/measurements/{id}/rejection       401 401 401 401 401 403 403 403 403 201 403 403 403 201 403 403 403 403
        GET …/outcomes/payments/{period}                  401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/risk-share/{year}                           401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/statements                                  401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/statements/preview                          401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/statements                                 401 401 401 401 401 403 403 403 201 201 201 201 403 403 403 403 403 403
        GET …/statements/publications/{id}                401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/statements/{number}                         401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/statements/{number}/checkpoint              401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/statements/{number}/signatures              401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/statements/{number}/signatures             401 401 401 401 401 403 403 403 403 403 201 403 403 403 403 403 403 403
        POST …/statements/commentary                      401 401 401 401 401 403 403 403 201 403 403 403 403 403 403 403 403 403
        GET …/partners/{partner}/keys                     401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        POST …/partners/{partner}/keys                    401 401 401 401 401 403 403 403 403 403 201 403 403 403 403 403 403 403
        POST …/partners/{partner}/keys/{id}/revocation    401 401 401 401 401 403 403 403 403 403 200 403 403 403 403 403 403 403
        GET …/journal/{sequence}/inclusion                401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        GET …/journal/consistency                         401 401 401 401 401 200 200 200 200 200 200 200 200 200 403 403 403 403
        """

    static let allianceRoutes = "/v1/alliances/{alliance}"

    /// `table` read: the full operation and its statuses, for each line.
    static let rows: [(operation: String, statuses: [String])] = table.split(separator: "\n")
        .filter { !$0.hasPrefix("#") }
        .map { line in
            let fields = line.split(separator: " ").map(String.init)
            let path = fields[1].replacingOccurrences(of: "…", with: allianceRoutes)
            return ("\(fields[0]) \(path)", Array(fields.dropFirst(2)))
        }

    /// One request of a cell.
    struct Probe: Sendable {
        var method: String
        var path: String
        var body: String? = nil
        var contentType = "application/json"
    }

    /// How each operation's request is made; `cell` is unique to the cell, for names that must be.
    typealias Maker = @Sendable (Fixture, Int) async throws -> Probe

    static let makers: [String: Maker] = {
        var makers: [String: Maker] = [:]
        let alliance = "/v1/alliances/{alliance}"
        func get(_ operation: String, _ path: String) {
            makers["GET \(operation)"] = { _, _ in Probe(method: "GET", path: path) }
        }
        for path in ["/healthz", "/readyz", "/openapi.json"] { get(path, path) }
        // The public pages need no token: every caller reads them alike.
        let publicBase = "/public/alliances/\(AllianceSetUp.slug)"
        get("/", "/")
        get("/public/alliances/{alliance}", publicBase)
        get("/public/alliances/{alliance}/statements/{number}", "\(publicBase)/statements/S-0001")
        get("/public/alliances/{alliance}/statements/{number}.json", "\(publicBase)/statements/S-0001.json")
        // A published statement's files are public: a token, good or bad, changes nothing.
        let published = "/public/alliances/\(AllianceSetUp.slug)/statements/S-0001"
        get("/public/alliances/{alliance}/statements/{number}/{file}", "\(published)/spend.csv")
        get("/public/alliances/{alliance}/statements/{number}.zip", "\(published).zip")
        get("/v1/tokens", "/v1/tokens")
        // A fresh operator token per cell, for the operator alone to revoke.
        makers["POST /v1/tokens/{token}/revocation"] = { fixture, _ in
            let pool = fixture.api.database.makeServicePool(maximumConnections: 1)
            let issued = try await TokenStore(pool: pool).issueOperator()
            await pool.close()
            return Probe(method: "POST", path: "/v1/tokens/\(issued.id)/revocation", body: "{}")
        }
        makers["POST /v1/alliances"] = { _, cell in
            Probe(method: "POST", path: "/v1/alliances", body: #"{"slug":"matrix-\#(cell)","name":"Matrix"}"#)
        }
        get(alliance, base)
        makers["POST \(alliance)/partners"] = { _, cell in
            Probe(
                method: "POST", path: "\(base)/partners",
                body: #"{"slug":"p\#(cell)","name":"P","kind":"vcse"}"#)
        }
        get("\(alliance)/partners", "\(base)/partners")
        get("\(alliance)/partners/{partner}", "\(base)/partners/\(own)")
        makers["POST \(alliance)/budget-lines"] = { _, cell in
            Probe(method: "POST", path: "\(base)/budget-lines", body: #"{"code":"M\#(cell)","name":"M"}"#)
        }
        get("\(alliance)/budget-lines", "\(base)/budget-lines")
        get("\(alliance)/budget-lines/{code}", "\(base)/budget-lines/STAFF")
        makers["POST \(alliance)/people"] = { _, cell in
            Probe(
                method: "POST", path: "\(base)/people",
                body: GovernedSetUp.person("made-\(cell)", of: own, roles: ["finance"]))
        }
        get("\(alliance)/people", "\(base)/people")
        makers["GET \(alliance)/people/{person}"] = { fixture, _ in
            Probe(method: "GET", path: "\(base)/people/\(try fixture.member(.financeOwn).id)")
        }
        makers["PATCH \(alliance)/people/{person}"] = { fixture, cell in
            let person = try await fixture.freshPerson(cell, token: false)
            return Probe(method: "PATCH", path: "\(base)/people/\(person.id)", body: #"{"roles":["board"]}"#)
        }
        makers["POST \(alliance)/people/{person}/removal"] = { fixture, cell in
            let person = try await fixture.freshPerson(cell, token: false)
            return Probe(method: "POST", path: "\(base)/people/\(person.id)/removal", body: "{}")
        }
        makers["POST \(alliance)/people/{person}/tokens"] = { fixture, cell in
            let person = try await fixture.freshPerson(cell, token: false)
            return Probe(method: "POST", path: "\(base)/people/\(person.id)/tokens", body: "{}")
        }
        makers["GET \(alliance)/people/{person}/tokens/{token}"] = { fixture, _ in
            let holder = try fixture.member(.financeOwn)
            return Probe(method: "GET", path: "\(base)/people/\(holder.id)/tokens/\(holder.tokenID)")
        }
        makers["POST \(alliance)/people/{person}/tokens/{token}/revocation"] = { fixture, cell in
            let holder = try await fixture.freshPerson(cell, token: true)
            return Probe(
                method: "POST", path: "\(base)/people/\(holder.id)/tokens/\(holder.tokenID)/revocation",
                body: "{}")
        }
        get("\(alliance)/budgets", "\(base)/budgets?year=FY2025")
        get("\(alliance)/budgets/history", "\(base)/budgets/history?year=FY2025")
        makers["POST \(alliance)/decisions"] = { _, cell in
            Probe(method: "POST", path: "\(base)/decisions", body: #"{"title":"Matrix \#(cell)"}"#)
        }
        get("\(alliance)/decisions", "\(base)/decisions")
        get("\(alliance)/decisions/{id}", "\(base)/decisions/D-0001")
        // A third partner proposes what both slam's and lambeth's board members may vote on.
        makers["POST \(alliance)/decisions/{id}/votes"] = { fixture, cell in
            let id = try await fixture.freshDecision(
                cell, proposer: try fixture.governed.boardMember("certitude"))
            return Probe(method: "POST", path: "\(base)/decisions/\(id)/votes", body: #"{"vote":"approve"}"#)
        }
        // Only its proposer withdraws a decision: slam's board member of the "board own" column.
        makers["POST \(alliance)/decisions/{id}/withdrawal"] = { fixture, cell in
            let id = try await fixture.freshDecision(cell, proposer: try fixture.member(.boardOwn))
            return Probe(method: "POST", path: "\(base)/decisions/\(id)/withdrawal", body: "{}")
        }
        makers["POST \(alliance)/spend"] = { _, cell in
            Probe(
                method: "POST", path: "\(base)/spend",
                body: AllianceSetUp.spend(partner: own, reference: "MATRIX-\(cell)"))
        }
        get("\(alliance)/spend", "\(base)/spend")
        makers["GET \(alliance)/spend/{id}"] = { fixture, _ in
            Probe(method: "GET", path: "\(base)/spend/\(fixture.spend)")
        }
        makers["POST \(alliance)/spend/{id}/reversal"] = { fixture, cell in
            let id = try await fixture.freshSpend(cell)
            return Probe(method: "POST", path: "\(base)/spend/\(id)/reversal", body: #"{"reason":"matrix"}"#)
        }
        makers["POST \(alliance)/spend/imports"] = { _, cell in
            Probe(
                method: "POST", path: "\(base)/spend/imports",
                body: ImportRoutesTests.header + "2025-05-14,\(own),STAFF,10.00,Matrix,Acme,IMPORT-\(cell)\n",
                contentType: "text/csv")
        }
        get("\(alliance)/balances", "\(base)/balances")
        get("\(alliance)/journal", "\(base)/journal")
        get("\(alliance)/journal/{sequence}", "\(base)/journal/1")
        get("\(alliance)/verify", "\(base)/verify")
        get("\(alliance)/audit", "\(base)/audit")
        get("\(alliance)/audit/verify", "\(base)/audit/verify")
        get("\(alliance)/outcomes/terms", "\(base)/outcomes/terms?year=FY2025")
        makers["POST \(alliance)/outcomes/measurements"] = { _, _ in
            Probe(
                method: "POST", path: "\(base)/outcomes/measurements",
                body: OutcomeRoutesTests.measurement("CARE_PLANS", "85"))
        }
        get("\(alliance)/outcomes/measurements", "\(base)/outcomes/measurements?period=FY2025")
        makers["GET \(alliance)/outcomes/measurements/{id}"] = { fixture, _ in
            Probe(method: "GET", path: "\(base)/outcomes/measurements/\(fixture.measurement)")
        }
        // A fresh measurement of slam's per cell, the latest of its measure when probed: own
        // partners and their auditors may not review it, another partner's finance and auditor may.
        for review in ["validation", "rejection"] {
            makers["POST \(alliance)/outcomes/measurements/{id}/\(review)"] = { fixture, _ in
                let recorded = try await fixture.api.create(
                    "\(base)/outcomes/measurements", OutcomeRoutesTests.measurement("BED_DAYS", "12"),
                    token: try fixture.member(.financeOwn).token)
                let id = try #require(recorded["id"] as? Int)
                return Probe(
                    method: "POST", path: "\(base)/outcomes/measurements/\(id)/\(review)",
                    body: review == "validation" ? #"{"note":"Checked"}"# : #"{"reason":"Wrong extract"}"#)
            }
        }
        get("\(alliance)/outcomes/payments/{period}", "\(base)/outcomes/payments/FY2025")
        get("\(alliance)/risk-share/{year}", "\(base)/risk-share/FY2025")
        get("\(alliance)/statements", "\(base)/statements")
        get("\(alliance)/statements/preview", "\(base)/statements/preview?period=FY2025-Q1")
        // A month of FY2025 of its own per cell: the columns that may publish do so side by side.
        makers["POST \(alliance)/statements"] = { _, cell in
            let month = cell % 12 + 1
            return Probe(
                method: "POST", path: "\(base)/statements",
                body: #"{"period":"\#(month >= 4 ? 2025 : 2026)-\#(month < 10 ? "0" : "")\#(month)"}"#)
        }
        makers["GET \(alliance)/statements/publications/{id}"] = { fixture, _ in
            Probe(method: "GET", path: "\(base)/statements/publications/\(fixture.publication)")
        }
        get("\(alliance)/statements/{number}", "\(base)/statements/S-0001")
        get("\(alliance)/statements/{number}/checkpoint", "\(base)/statements/S-0001/checkpoint")
        get("\(alliance)/statements/{number}/signatures", "\(base)/statements/S-0001/signatures")
        // Signed with a key of slam's: only slam's board signs with it, once.
        makers["POST \(alliance)/statements/{number}/signatures"] = { fixture, _ in
            Probe(method: "POST", path: "\(base)/statements/S-0001/signatures", body: fixture.signature)
        }
        makers["POST \(alliance)/statements/commentary"] = { _, cell in
            Probe(
                method: "POST", path: "\(base)/statements/commentary",
                body:
                    #"{"period":"FY2025","partner":"\#(own)","budgetLine":"STAFF","text":"Matrix \#(cell)"}"#)
        }
        get("\(alliance)/partners/{partner}/keys", "\(base)/partners/\(own)/keys")
        makers["POST \(alliance)/partners/{partner}/keys"] = { _, _ in
            let key = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
            return Probe(
                method: "POST", path: "\(base)/partners/\(own)/keys", body: #"{"publicKey":"\#(key)"}"#)
        }
        makers["POST \(alliance)/partners/{partner}/keys/{id}/revocation"] = { fixture, _ in
            let key = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString()
            let registered = try await fixture.api.create(
                "\(base)/partners/\(own)/keys", #"{"publicKey":"\#(key)"}"#,
                token: try fixture.governed.boardMember(own).token)
            let id = try #require(registered["id"] as? Int)
            return Probe(method: "POST", path: "\(base)/partners/\(own)/keys/\(id)/revocation", body: "{}")
        }
        get("\(alliance)/journal/{sequence}/inclusion", "\(base)/journal/1/inclusion?treeSize=2")
        get("\(alliance)/journal/consistency", "\(base)/journal/consistency?from=1")
        return makers
    }()

    /// The alliance past its set-up, a person of each role for slam and for lambeth, another
    /// alliance with a person of each role, a revoked token, and a spend and a measurement to read.
    struct Fixture: Sendable {
        let governed: GovernedSetUp
        let members: [CallerKind: GovernedSetUp.Member]
        let revoked: String
        let spend: Int
        let measurement: Int
        /// FY2025-Q1's publication, carried out in the background.
        let publication: Int
        /// An operator token that expired an hour ago.
        static let expired = "alt_expired-matrix"
        /// A signature of S-0001's checkpoint by a registered key of slam's.
        let signature: String

        var api: APIHarness { governed.api }

        func member(_ kind: CallerKind) throws -> GovernedSetUp.Member {
            try #require(members[kind], "no member for \(kind)")
        }

        /// The Authorization header `kind` sends, if any.
        func authorization(_ kind: CallerKind) throws -> String? {
            switch kind {
            case .none: nil
            case .malformed: "Basic b3BlcmF0b3I6c2VjcmV0"
            case .unknown: "Bearer alt_\(String(repeating: "0", count: 43))"
            case .revoked: "Bearer \(revoked)"
            case .expired: "Bearer \(Fixture.expired)"
            case .operator: "Bearer \(api.operatorToken)"
            default: "Bearer \(try member(kind).token)"
            }
        }

        /// A new person of slam, made by slam's admin, with a token if asked.
        func freshPerson(_ cell: Int, token: Bool) async throws -> GovernedSetUp.Member {
            let admin = try governed.admin(own).token
            let person = try await api.create(
                "\(base)/people", GovernedSetUp.person("fresh-\(cell)", of: own, roles: ["finance"]),
                token: admin)
            let id = try #require(person["id"] as? Int)
            guard token else { return GovernedSetUp.Member(id: id, token: "", tokenID: 0) }
            return try await GovernedSetUp.firstToken(of: id, by: admin, on: api)
        }

        /// A new open decision proposed by board member `proposer`; answers its id.
        func freshDecision(_ cell: Int, proposer: GovernedSetUp.Member) async throws -> Int {
            let proposed = try await api.create(
                "\(base)/decisions", #"{"title":"Fresh \#(cell)"}"#, token: proposer.token)
            return try #require(proposed["id"] as? Int)
        }

        /// A new spend of slam, recorded by its finance lead; answers its id.
        func freshSpend(_ cell: Int) async throws -> Int {
            let spend = try await api.create(
                "\(base)/spend", AllianceSetUp.spend(partner: own, reference: "FRESH-\(cell)"),
                token: try member(.financeOwn).token)
            return try #require(spend["id"] as? Int)
        }

        static func make(_ governed: GovernedSetUp) async throws -> Fixture {
            let api = governed.api
            var members: [CallerKind: GovernedSetUp.Member] = [
                .adminOwn: try governed.admin(own), .adminOther: try governed.admin(other),
            ]
            // People with exactly one role each; lambeth's set-up board member is also its finance lead.
            let roles: [(CallerKind, CallerKind, String)] = [
                (.financeOwn, .financeOther, "finance"), (.boardOwn, .boardOther, "board"),
                (.auditorOwn, .auditorOther, "auditor"),
            ]
            for (ownKind, otherKind, role) in roles {
                members[ownKind] = try await GovernedSetUp.appoint(
                    "matrix-\(role)-\(own)", of: own, roles: [role], by: try governed.admin(own).token,
                    on: api)
                members[otherKind] = try await GovernedSetUp.appoint(
                    "matrix-\(role)-\(other)", of: other, roles: [role], by: try governed.admin(other).token,
                    on: api)
            }
            let revokedHolder = try await GovernedSetUp.appoint(
                "matrix-revoked", of: own, roles: ["finance"], by: try governed.admin(own).token, on: api)
            let revocation = try await api.post(
                "\(base)/people/\(revokedHolder.id)/tokens/\(revokedHolder.tokenID)/revocation", "{}",
                token: revokedHolder.token)
            #expect(revocation.status == 200, "\(revocation.body)")
            // Another alliance, in its set-up, with a person of each role.
            let root = api.operatorToken
            let otherBase = "/v1/alliances/\(otherAlliance)"
            try await api.create(
                "/v1/alliances", #"{"slug":"\#(otherAlliance)","name":"Another"}"#, token: root)
            try await api.create(
                "\(otherBase)/partners", #"{"slug":"elsewhere","name":"Elsewhere","kind":"vcse"}"#,
                token: root)
            let strangers: [(CallerKind, String)] = [
                (.otherAdmin, "admin"), (.otherFinance, "finance"), (.otherBoard, "board"),
                (.otherAuditor, "auditor"),
            ]
            for (kind, role) in strangers {
                let person = try await api.create(
                    "\(otherBase)/people",
                    #"{"name":"\#(role)","email":"\#(role)@elsewhere.example","partner":"elsewhere","roles":["\#(role)"]}"#,
                    token: root)
                let id = try #require(person["id"] as? Int)
                let issued = try await api.post("\(otherBase)/people/\(id)/tokens", "{}", token: root)
                #expect(issued.status == 201, "\(issued.body)")
                let token = try #require(try issued.json()["token"] as? String)
                members[kind] = GovernedSetUp.Member(id: id, token: token, tokenID: 0)
            }
            // The first carried decision, FY2025's outcome terms, ends this alliance's set-up.
            try await governed.carry(OutcomeRoutesTests.outcomeTerms)
            try await governed.carry(
                #"{"title":"Shares","action":{"type":"riskShare.setTerms","year":"FY2025","#
                    + #""gain":[{"partner":"slam","share":6000},{"partner":"lambeth","share":4000}],"#
                    + #""pain":[{"partner":"slam","share":10000}]}}"#)
            let spend = try await api.create(
                "\(base)/spend", AllianceSetUp.spend(partner: own, reference: "MATRIX-READ"),
                token: try #require(members[.financeOwn]).token)
            let measurement = try await api.create(
                "\(base)/outcomes/measurements", OutcomeRoutesTests.measurement("BED_DAYS", "12"),
                token: try #require(members[.financeOwn]).token)
            // A token that has expired, written as only the schema's owner could (the database
            // refuses to issue one already expired).
            try await api.database.pool.withConnection { connection in
                _ = try await connection.execute(
                    """
                    INSERT INTO api_tokens (token_hash, issuer, created_at, expires_at)
                    VALUES (sha256(convert_to(\(Fixture.expired), 'UTF8')), 'operator',
                            now() - interval '2 hours', now() - interval '1 hour')
                    """)
            }
            // FY2025's statement, and a key of slam's registered by its board member to sign it.
            try await api.create(
                "\(base)/statements", #"{"period":"FY2025"}"#, token: try #require(members[.financeOwn]).token
            )
            let checkpoint = try await api.get("\(base)/statements/S-0001/checkpoint", token: root).body
            let accepted = try await api.post(
                "\(base)/statements", #"{"period":"FY2025-Q1"}"#,
                token: try #require(members[.financeOwn]).token,
                headers: ["Prefer": "respond-async"])
            let publication = try #require(try accepted.json()["id"] as? Int, "\(accepted.body)")
            _ = try await StatementRoutesTests.follow(
                try #require(accepted.headers["location"]), token: root, on: api)
            let key = Curve25519.Signing.PrivateKey()
            let publicKey = key.publicKey.rawRepresentation.base64EncodedString()
            try await api.create(
                "\(base)/partners/\(own)/keys", #"{"publicKey":"\#(publicKey)"}"#,
                token: try governed.boardMember(own).token)
            let signature = try key.signature(for: Data(checkpoint.utf8)).base64EncodedString()
            return Fixture(
                governed: governed, members: members, revoked: revokedHolder.token,
                spend: try #require(spend["id"] as? Int),
                measurement: try #require(measurement["id"] as? Int), publication: publication,
                signature: #"{"key":"\#(publicKey)","signature":"\#(signature)"}"#)
        }
    }

    /// Every cell's status as served: operation -> statuses in the order of `CallerKind.allCases`.
    static func served(_ fixture: Fixture, operations: [String]) async throws -> [String: [Int]] {
        var served: [String: [Int]] = [:]
        var cell = 0
        for operation in operations {
            let maker = try #require(makers[operation], "no request for \(operation)")
            var statuses: [Int] = []
            for kind in CallerKind.allCases {
                cell += 1
                let probe = try await maker(fixture, cell)
                var headers: [String: String] = [:]
                if let authorization = try fixture.authorization(kind) {
                    headers["Authorization"] = authorization
                }
                if probe.body != nil { headers["Content-Type"] = probe.contentType }
                let answer = try await fixture.api.request(
                    probe.method, probe.path, json: probe.body, headers: headers)
                statuses.append(answer.status)
            }
            served[operation] = statuses
        }
        return served
    }

    /// Lines for `table` of these statuses, to paste over it after a deliberate change.
    static func source(_ rows: [(String, [Int])]) -> String {
        let lines = rows.map { operation, statuses in
            (
                operation.replacingOccurrences(of: allianceRoutes, with: "…"),
                statuses.map(String.init).joined(separator: " ")
            )
        }
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { operation, statuses in
            "        " + operation.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + statuses
        }.joined(separator: "\n")
    }

    @Test func everyOperationIsInTheTableOnce() throws {
        let documented = try OpenAPIDocumentTests.operations(try OpenAPIDocumentTests.document())
            .map { "\($0.method.uppercased()) \($0.path)" }
        let tabled = Self.rows.map(\.operation)
        #expect(Set(tabled).count == tabled.count, "an operation is in the table twice")
        #expect(Set(tabled) == Set(documented), "documented: \(documented.sorted())")
        for row in Self.rows {
            #expect(
                row.statuses.count == CallerKind.allCases.count,
                "\(row.operation) has a status for each caller kind")
        }
    }

    @Test func everyCellAnswersItsStatus() async throws {
        try await GovernedSetUp.with { governed in
            let fixture = try await Fixture.make(governed)
            let operations = Self.rows.map(\.operation)
            let served = try await Self.served(fixture, operations: operations)
            var mismatches: [String] = []
            for row in Self.rows {
                let expected = row.statuses.map { Int($0) ?? 0 }
                let actual = served[row.operation] ?? []
                for (index, kind) in CallerKind.allCases.enumerated()
                where expected.indices.contains(index) && actual.indices.contains(index)
                    && expected[index] != actual[index]
                {
                    mismatches.append(
                        "\(row.operation) as \(kind.rawValue): \(actual[index]), not \(expected[index])")
                }
            }
            #expect(
                mismatches.isEmpty,
                "\(mismatches.joined(separator: "\n"))\nas served:\n\(Self.source(operations.map { ($0, served[$0] ?? []) }))"
            )
        }
    }

    /// The HTTP guide's block (docs/http-api.md) between these lines is `markdown()`.
    static let readmeBegin =
        "<!-- access matrix: rendered from Tests/AllianceLedgerHTTPTests/AccessMatrixTests.swift's table; "
        + "to change it, change the table and run ALLIANCE_LEDGER_WRITE_DOCS=1 swift test --filter AccessMatrixTests -->"
    static let readmeEnd = "<!-- access matrix end -->"

    /// The table as Markdown, the operations in the document's order.
    static func markdown() -> String {
        let header = "| Operation | " + CallerKind.allCases.map(\.rawValue).joined(separator: " | ") + " |"
        let rule = "|---|" + String(repeating: "---|", count: CallerKind.allCases.count)
        let rows = rows.map { row in "| `\(row.operation)` | " + row.statuses.joined(separator: " | ") + " |"
        }
        return ([header, rule] + rows).joined(separator: "\n")
    }

    @Test func theReadmePrintsTheTable() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../docs/http-api.md").standardizedFileURL
        let text = try String(contentsOf: readme, encoding: .utf8)
        let begin = try #require(
            text.range(of: Self.readmeBegin + "\n"), "docs/http-api.md has no access matrix block")
        let end = try #require(text.range(of: Self.readmeEnd, range: begin.upperBound..<text.endIndex))
        let printed = String(text[begin.upperBound..<end.lowerBound])
        let rendered = Self.markdown() + "\n"
        if printed != rendered, ProcessInfo.processInfo.environment["ALLIANCE_LEDGER_WRITE_DOCS"] == "1" {
            try text.replacingCharacters(in: begin.upperBound..<end.lowerBound, with: rendered)
                .write(to: readme, atomically: true, encoding: .utf8)
            return
        }
        #expect(
            printed == rendered,
            "docs/http-api.md's access matrix is not the tests' table; rendered:\n\(rendered)")
    }
}
