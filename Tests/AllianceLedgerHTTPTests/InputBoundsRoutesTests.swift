import Foundation
import TestSupport
import Testing

/// What a hostile client sends at the edges of every limit: text whose characters the database
/// counts differently from Swift, NUL, dates outside years 1 to 9999, amounts near 64 bits,
/// long e-mail addresses, JSON that a lenient reader would take, and methods a path does not
/// take. Each is a clear 4xx naming what is wrong, never a 500, and changes nothing.
@Suite(.timeLimit(.perTest)) struct InputBoundsRoutesTests {
    typealias SetUp = AllianceSetUp

    /// `count` characters a reader sees, each an "e" and a combining acute: twice as many code
    /// points, which is what PostgreSQL's `length()` counts.
    static func accented(_ count: Int) -> String {
        String(repeating: "e\u{301}", count: count)
    }

    /// Free text within its limit by Swift's count but beyond it by the database's, field by
    /// field: refused naming the field, and nothing written.
    @Test func textIsMeasuredInCodePointsAsTheDatabaseMeasuresIt() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let root = api.operatorToken
            let finance = try board.setUp.token("finance-slam")
            let spend = try await api.create("\(SetUp.base)/spend", SetUp.spend(), token: finance)
            let spendID = try #require(spend["id"] as? Int)
            let decision = try await api.create(
                "\(SetUp.base)/decisions", #"{"title":"Open","description":"x"}"#,
                token: try board.token("slam"))
            let decisionID = try #require(decision["id"])
            let long = Self.accented(150)
            let cases: [(path: String, body: String, token: String, field: String)] = [
                ("/v1/alliances", #"{"slug":"other","name":"\#(long)"}"#, root, "name"),
                ("\(SetUp.base)/partners", #"{"slug":"mind","name":"\#(long)","kind":"vcse"}"#, root, "name"),
                ("\(SetUp.base)/budget-lines", #"{"code":"TRAVEL","name":"\#(long)"}"#, root, "name"),
                (
                    "\(SetUp.base)/people",
                    #"{"name":"\#(long)","email":"x@example.org","partner":"slam","roles":["finance"]}"#,
                    root,
                    "name"
                ),
                (
                    "\(SetUp.base)/spend",
                    #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","#
                        + #""description":"\#(Self.accented(600))","reference":"R-2"}"#, finance,
                    "description"
                ),
                (
                    "\(SetUp.base)/spend",
                    #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","#
                        + #""description":"x","supplier":"\#(long)","reference":"R-3"}"#, finance, "supplier"
                ),
                (
                    "\(SetUp.base)/spend",
                    #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","#
                        + #""description":"x","reference":"\#(long)"}"#, finance, "reference"
                ),
                (
                    "\(SetUp.base)/spend/\(spendID)/reversal", #"{"reason":"\#(Self.accented(600))"}"#,
                    finance,
                    "reason"
                ),
                ("\(SetUp.base)/decisions", #"{"title":"\#(long)"}"#, try board.token("slam"), "title"),
                (
                    "\(SetUp.base)/decisions", #"{"title":"t","description":"\#(Self.accented(6000))"}"#,
                    try board.token("slam"), "description"
                ),
                (
                    "\(SetUp.base)/decisions/\(decisionID)/votes",
                    #"{"vote":"object","reason":"\#(Self.accented(1500))"}"#, try board.token("slam"),
                    "reason"
                ),
            ]
            let before = try await api.database.stateSnapshot()
            for item in cases {
                try await api.post(item.path, item.body, token: item.token)
                    .expectProblem(422, "/problems/invalid-field", field: item.field)
            }
            #expect(try await api.database.stateSnapshot() == before)
            // At the limit exactly, by the database's count, it is taken.
            try await api.create(
                "\(SetUp.base)/decisions", #"{"title":"\#(Self.accented(100))"}"#,
                token: try board.token("slam"))
        }
    }

    /// One spend file row whose description is too long by code points is that row's error,
    /// with its line; the other rows are recorded when the mode says so.
    @Test func aSpendFileRowTooLongByCodePointsIsARowError() async throws {
        try await SetUp.with { setUp in
            let finance = try setUp.token("finance-slam")
            let file =
                ImportRoutesTests.header + "2025-05-14,slam,STAFF,1.00,ok,Acme,L-1\n"
                + "2025-05-15,slam,STAFF,2.00,\(Self.accented(600)),Acme,L-2\n"
            let answer = try await ImportRoutesTests().importCSV(
                setUp, file, mode: "skip-invalid", token: finance)
            #expect(answer.status == 200, "\(answer.body)")
            let report = try answer.json()
            #expect(report["recorded"] as? Int == 1)
            #expect(report["invalid"] as? Int == 1)
            let errors = try #require(report["errors"] as? [[String: Any]])
            #expect(errors.first?["line"] as? Int == 3)
        }
    }

    /// NUL cannot be stored in PostgreSQL text: in a body it is the field's fault, in a query
    /// the parameter's, and in a path simply nothing that exists.
    @Test func nulIsRefusedWhereverItComes() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let finance = try setUp.token("finance-slam")
            let auditor = try setUp.token("auditor")
            let before = try await api.database.stateSnapshot()
            try await api.post(
                "\(SetUp.base)/spend",
                #"{"partner":"sl\u0000am","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":"x"}"#,
                token: finance
            ).expectProblem(422, "/problems/invalid-field", field: "partner")
            try await api.post(
                "\(SetUp.base)/spend",
                #"{"partner":"slam","budgetLine":"STAFF\u0000","amount":1,"incurredOn":"2025-05-14","description":"x"}"#,
                token: finance
            ).expectProblem(422, "/problems/invalid-field", field: "budgetLine")
            try await api.post(
                "\(SetUp.base)/people",
                #"{"name":"N","email":"a\u0000@example.org","partner":"slam","roles":["finance"]}"#,
                token: api.operatorToken
            ).expectProblem(422, "/problems/invalid-field", field: "email")
            try await api.get("\(SetUp.base)/spend?partner=sl%00am", token: finance)
                .expectProblem(400, "/problems/invalid-query", field: "partner")
            try await api.get("\(SetUp.base)/spend?line=%00", token: finance)
                .expectProblem(400, "/problems/invalid-query", field: "line")
            try await api.get("\(SetUp.base)/journal?account=a%00", token: auditor)
                .expectProblem(400, "/problems/invalid-query", field: "account")
            try await api.get("/v1/alliances/lambeth%00", token: api.operatorToken)
                .expectProblem(404, "/problems/alliance-not-found")
            try await api.get("\(SetUp.base)/partners/sl%00am", token: finance)
                .expectProblem(404, "/problems/partner-not-found")
            #expect(try await api.database.stateSnapshot() == before)
        }
    }

    /// Dates are years 1 to 9999, written YYYY-MM-DD: year 0 (which PostgreSQL would store as
    /// 1 BC) and year 10000 are refused in bodies, queries and spend files alike.
    @Test func datesOutsideYearsOneToNineThousandNineHundredNinetyNineAreRefused() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let root = api.operatorToken
            let finance = try setUp.token("finance-slam")
            let before = try await api.database.stateSnapshot()
            try await api.post(
                "/v1/alliances", #"{"slug":"early","name":"E","contractStart":"0000-01-01"}"#, token: root
            )
            .expectProblem(422, "/problems/invalid-field", field: "contractStart")
            try await api.post(
                "/v1/alliances", #"{"slug":"late","name":"L","contractEnd":"10000-01-01"}"#, token: root
            )
            .expectProblem(422, "/problems/invalid-field", field: "contractEnd")
            try await api.post(
                "\(SetUp.base)/partners",
                #"{"slug":"mind","name":"Mind","kind":"vcse","joinedOn":"0000-06-01"}"#,
                token: root
            ).expectProblem(422, "/problems/invalid-field", field: "joinedOn")
            try await api.post(
                "\(SetUp.base)/spend", SetUp.spend(incurredOn: "10000-01-01"), token: finance
            ).expectProblem(422, "/problems/invalid-field", field: "incurredOn")
            try await api.post(
                "\(SetUp.base)/decisions", #"{"title":"Far","closesAt":"10000-01-01T00:00:00Z"}"#,
                token: try setUp.token("board-slam")
            ).expectProblem(422, "/problems/invalid-field", field: "closesAt")
            try await api.get("\(SetUp.base)/balances?asOf=0000-12-31", token: try setUp.token("auditor"))
                .expectProblem(400, "/problems/invalid-query", field: "asOf")
            let file = ImportRoutesTests.header + "0000-05-14,slam,STAFF,1.00,year nought,Acme,Y-1\n"
            let answer = try await ImportRoutesTests().importCSV(
                setUp, file, mode: "skip-invalid", token: finance)
            #expect(answer.status == 200, "\(answer.body)")
            let errors = try #require(try answer.json()["errors"] as? [[String: Any]])
            #expect(errors.first?["line"] as? Int == 2)
            #expect((errors.first?["reason"] as? String)?.contains("date") == true, "\(answer.body)")
            #expect(try await api.database.stateSnapshot() == before)
        }
    }

    /// One amount is at most 10,000,000,000.00 (1e12 minor units), on a spend, in a file and in
    /// a decision's action: nobody's single figure can break the alliance's totals.
    @Test func amountsAreBounded() async throws {
        try await BoardSetUp.with { board in
            let api = board.api
            let finance = try board.setUp.token("finance-slam")
            let slam = try board.token("slam")
            let before = try await api.database.stateSnapshot()
            for amount in ["1000000000001", "9223372036854775807"] {
                try await api.post("\(SetUp.base)/spend", SetUp.spend(amount: amount), token: finance)
                    .expectProblem(422, "/problems/invalid-field", field: "amount")
            }
            let actions = [
                (
                    #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":1000000000001}]}"#,
                    "action.lines[0].amount"
                ),
                (
                    #"{"type":"riskShare.setTerms","year":"FY2025","gain":[{"partner":"slam","share":10000,"cap":1000000000001}],"#
                        + #""pain":[{"partner":"slam","share":10000}]}"#, "action.gain[0].cap"
                ),
                (
                    #"{"type":"riskShare.setTerms","year":"FY2025","gain":[{"partner":"slam","share":10000}],"#
                        + #""pain":[{"partner":"slam","share":10000}],"partnerSide":{"fee":1000000000001}}"#,
                    "action.partnerSide.fee"
                ),
            ]
            for (action, field) in actions {
                try await api.post(
                    "\(SetUp.base)/decisions", #"{"title":"Big","action":\#(action)}"#, token: slam
                )
                .expectProblem(422, "/problems/invalid-field", field: field)
            }
            let file = ImportRoutesTests.header + "2025-05-14,slam,STAFF,10000000000.01,big,Acme,B-1\n"
            let imported = try await ImportRoutesTests().importCSV(board.setUp, file, token: finance)
            try imported.expectProblem(422, "/problems/import-rejected")
            #expect(try await api.database.stateSnapshot() == before)

            try await api.create(
                "\(SetUp.base)/spend", SetUp.spend(amount: "1000000000000"), token: finance)
            let balances = try await api.get(
                "\(SetUp.base)/balances", token: try board.setUp.token("auditor"))
            #expect(balances.status == 200, "\(balances.body)")
        }
    }

    /// An e-mail address may be up to 254 characters, and a person with one that long can do
    /// everything their roles allow, including recording spend under their address.
    @Test func theLongestEmailAddressCanRecordSpend() async throws {
        try await SetUp.with { setUp in
            let api = setUp.api
            let root = api.operatorToken
            let longest = String(repeating: "f", count: 254 - "@example.org".count) + "@example.org"
            #expect(longest.count == 254)
            let person = try await api.create(
                "\(SetUp.base)/people",
                #"{"name":"Long","email":"\#(longest)","partner":"slam","roles":["finance"]}"#, token: root)
            let id = try #require(person["id"] as? Int)
            let token = try #require(
                try await api.create("\(SetUp.base)/people/\(id)/tokens", "{}", token: root)["token"]
                    as? String)
            let spend = try await api.create("\(SetUp.base)/spend", SetUp.spend(), token: token)
            #expect(spend["recordedBy"] as? String == longest)

            let before = try await api.database.stateSnapshot()
            try await api.post(
                "\(SetUp.base)/people",
                #"{"name":"Longer","email":"f\#(longest)","partner":"slam","roles":["finance"]}"#, token: root
            ).expectProblem(422, "/problems/invalid-field", field: "email")
            #expect(try await api.database.stateSnapshot() == before)
        }
    }
}
