import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// An action's stored form (type, format, fields) reads back as the value it was written from,
/// and one this program does not know is an error rather than a guess. Pure: no database.
@Suite(.timeLimit(.perTest)) struct StoredActionTests {
    /// One action of every kind, as a client sends it.
    static let wire: [String] = [
        #"{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","budgetLine":"STAFF","amount":100000}]}"#,
        #"{"type":"partner.admit","partner":{"slug":"mind","name":"Mind","kind":"vcse"},"joinedOn":"2025-06-01","#
            + #""admin":{"name":"Ada","email":"ada@mind.example"}}"#,
        #"{"type":"partner.admit","partner":{"slug":"mind","name":"Mind","kind":"vcse"},"joinedOn":"2025-06-01","admin":null}"#,
        #"{"type":"partner.remove","partner":"lambeth","leftOn":"2026-03-31"}"#,
        #"{"type":"riskShare.setTerms","year":"FY2025","gain":[{"partner":"slam","share":6000,"cap":500},{"partner":"lambeth","share":4000}],"#
            + #""pain":[{"partner":"slam","share":10000}],"partnerSide":{"gainBands":[{"upTo":500,"share":5000},"#
            + #"{"share":2500}],"fee":100}}"#,
        #"{"type":"outcomes.setTerms","year":"FY2025","frequency":"quarter","pool":120000000,"#
            + #""measures":[{"code":"CARE_PLANS","name":"Care plans","unit":"%","direction":"higher","#
            + #""target":90,"weight":6000,"rule":{"type":"linear","floor":80,"cap":95}},"#
            + #"{"code":"SCORES","name":"Scores","unit":"%","direction":"higher","target":60,"weight":4000,"#
            + #""rule":{"type":"bands","bands":[{"from":45,"factor":5000},{"from":60,"factor":10000}]}}],"#
            + #""shares":[{"partner":"slam","share":6000},{"partner":"lambeth","share":4000}]}"#,
        #"{"type":"outcomePayments.approve","period":"FY2025-Q1","earned":70800000}"#,
        #"{"type":"outcomePayments.approve","period":"FY2025"}"#,
        #"{"type":"riskShare.settle","year":"FY2025","partnerSide":-75000000}"#,
        #"{"type":"partner.appointAdmin","partner":"slam","person":{"name":"Bo","email":"bo@slam.example"}}"#,
        #"{"type":"auditor.appoint","person":{"name":"Cy","email":"cy@audit.example"}}"#,
        #"{"type":"budgetLine.add","code":"PEER","name":"Peer support"}"#,
        #"{"type":"alliance.setSettings","abstention":"stands-aside","localTransparencyThreshold":50000}"#,
    ]

    @Test func everyKindIsRegisteredOnceUnderItsWireType() throws {
        let types = DecisionActionKinds.all.map { $0.type }
        #expect(Set(types).count == types.count)
        #expect(
            DecisionAction.types == [
                "budget.set", "partner.admit", "partner.remove", "riskShare.setTerms", "outcomes.setTerms",
                "outcomePayments.approve", "riskShare.settle", "partner.appointAdmin", "auditor.appoint",
                "budgetLine.add", "alliance.setSettings",
            ])
        let covered = Set(
            try Self.wire.map { try StrictJSON.decode(DecisionAction.self, from: Data($0.utf8)).type })
        #expect(covered == Set(types), "a sample of every kind")
    }

    @Test func theStoredFormReadsBackAsTheActionItWasWrittenFrom() throws {
        for text in Self.wire {
            let action = try StrictJSON.decode(DecisionAction.self, from: Data(text.utf8))
            let kind = action.kind
            let body = try kind.storedBody()
            #expect(try JSONSerialization.jsonObject(with: Data(body.utf8)) is [String: Any], "\(text)")
            #expect(
                !body.contains(#""type":"\#(action.type)""#), "the type is a column, not a field: \(body)")
            let read = try DecisionActionKinds.stored(type: kind.wireType, format: kind.format, body: body)
            #expect(read == action, "\(text)")
            // And the wire form is what it was: the stored form changes nothing a client sees.
            let again = try StrictJSON.decode(DecisionAction.self, from: try JSONEncoder().encode(action))
            #expect(again == action, "\(text)")
        }
    }

    /// Format 1 is the wire fields less `type`: what SQL/0016 leaves of every row written before it.
    @Test func formatOneIsTheWireFieldsWithoutType() throws {
        let read = try DecisionActionKinds.stored(
            type: "riskShare.settle", format: 1, body: #"{"year":"FY2025","partnerSide":null}"#)
        #expect(read == .riskShareSettle(year: 2025, partnerSide: nil))
        let admitted = try DecisionActionKinds.stored(
            type: "partner.admit", format: 1,
            body:
                #"{"partner":{"slug":"mind","name":"Mind","kind":"vcse"},"joinedOn":"2025-06-01","admin":null}"#
        )
        #expect(
            admitted
                == .partnerAdmit(
                    try PartnerRequest(slug: "mind", name: "Mind", kind: .vcse), joinedOn: date(2025, 6, 1),
                    admin: nil))
        #expect(try DecisionActionKinds.stored(type: nil, format: nil, body: nil) == nil)
    }

    @Test func whatThisProgramDoesNotKnowIsAnErrorNeverADefault() throws {
        #expect(throws: StoredActionError.unknownType("budget.delete")) {
            try DecisionActionKinds.stored(type: "budget.delete", format: 1, body: "{}")
        }
        #expect(throws: StoredActionError.unknownFormat(2, type: "riskShare.settle")) {
            try DecisionActionKinds.stored(
                type: "riskShare.settle", format: 2, body: #"{"year":"FY2025","partnerSide":null}"#)
        }
        #expect(throws: StoredActionError.incomplete) {
            try DecisionActionKinds.stored(type: "riskShare.settle", format: nil, body: "{}")
        }
        #expect(throws: LedgerError.unknownField("colour")) {
            try DecisionActionKinds.stored(
                type: "riskShare.settle", format: 1,
                body: #"{"year":"FY2025","partnerSide":null,"colour":"red"}"#)
        }
        #expect(throws: LedgerError.self) {
            try DecisionActionKinds.stored(
                type: "partner.admit", format: 1,
                body: #"{"partner":{"slug":"mind","name":"Mind","kind":"charity"},"joinedOn":"2025-06-01"}"#)
        }
    }
}
