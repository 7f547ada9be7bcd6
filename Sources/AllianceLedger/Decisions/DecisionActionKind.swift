import Dates
import Foundation
import Postgres

/// One kind of action a decision can carry, with the whole of its behaviour: its wire `type`,
/// its fields read and written, the checks made when it is proposed, what it does when the
/// decision carries, what it did once carried, and a sentence describing it.
///
/// Each kind lives in one file of its feature folder (`Budgets/BudgetSetAction.swift`, …) and
/// is listed once in ``DecisionActionKinds/all``; its SQL adds its `type` to
/// `decision_action_types`. ``DecisionAction`` is the public face of the kinds, one case each,
/// so that callers can build and match actions; it holds no behaviour of its own.
protocol DecisionActionKind: Hashable, Sendable {
    /// The `type` field of the wire format, and the action's `decisions.action_type`.
    static var type: String { get }

    /// The form the library stores the action in (`decisions.action_format`). Bumped when the
    /// kind's fields change, with ``init(stored:format:)`` still reading every older form, so
    /// that a decision recorded years ago reads back as it was voted on.
    static var storedFormat: Int16 { get }

    /// Reads the action's fields from its JSON object, strictly: an unknown field is an error
    /// naming it. The object may hold `type` (the wire form) or not (the stored form).
    init(fields decoder: any Decoder) throws

    /// Reads a stored action of `format`; an unknown format is an error, never a guess.
    init(stored decoder: any Decoder, format: Int16) throws

    /// Writes the action's fields, without `type`: ``DecisionAction`` writes that before them
    /// in the wire form, and the stored form keeps it in a column of its own.
    func encodeFields(to encoder: any Encoder) throws

    /// The public value of the action.
    var action: DecisionAction { get }

    /// The checks that need the books, made when the decision is proposed: what the action
    /// names exists and can still be done. Answers the action as it is to be voted on (an
    /// approval or settlement with its figure filled in).
    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self

    /// Does what the action says, in the transaction that carries the decision, after the same
    /// checks as ``validated(for:on:)``.
    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws

    /// What the carried decision `decision` produced, read from the rows that name it.
    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?

    /// The action in a phrase, after its type: what the command line prints as a decision's
    /// action. `money` writes an amount in the alliance's currency.
    func summary(money: (Int64) -> String) -> String

    /// What the carried decision did, `effect` as ``effect(of:in:on:)`` read it, in a phrase:
    /// what the command line prints. Nil when `effect` is not of this kind.
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String?

    /// The same in a published statement's wording, with `money` writing amounts out in full
    /// ("£1,234.00"). The statements published so far fix it.
    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String?

    /// The field of the action, by its path, that a refusal from the books concerns (the line
    /// naming a partner that does not exist); nil when the refusal names none.
    func field(concerning error: LedgerError) -> String?
}

extension DecisionActionKind {
    static var storedFormat: Int16 { 1 }

    /// ``type``, read through a value whose kind is not known statically.
    var wireType: String { Self.type }

    /// ``storedFormat``, read through a value whose kind is not known statically.
    var format: Int16 { Self.storedFormat }

    /// Format 1 is the wire form's fields without `type`, which `decisions.action_type` holds:
    /// what every action stored before 0016 was, less its type.
    init(stored decoder: any Decoder, format: Int16) throws {
        guard format == 1 else { throw StoredActionError.unknownFormat(format, type: Self.type) }
        try self.init(fields: decoder)
    }

    func validated(for proposal: ProposalContext, on connection: PostgresConnection) async throws -> Self {
        self
    }

    func field(concerning error: LedgerError) -> String? { nil }

    /// The stored form, of format ``storedFormat``: the action's fields.
    func storedBody() throws -> String {
        String(decoding: try JSONEncoder().encode(ActionFields(kind: self)), as: UTF8.self)
    }
}

/// Who proposes a decision, where and when: what an action's checks at proposal see.
struct ProposalContext {
    let alliance: Alliance
    let proposer: Caller
    let today: CalendarDate
}

/// The decision an action is applied for, in the transaction that carries it.
struct CarryingDecision {
    let id: Int64
    /// `D-0001`, as the governance log names it.
    let reference: String
    let alliance: Alliance
    let today: CalendarDate
}

/// The registry of action kinds: a new kind is one line here.
enum DecisionActionKinds {
    static let all: [any DecisionActionKind.Type] = [
        BudgetSetAction.self, PartnerAdmitAction.self, PartnerRemoveAction.self, RiskShareSetTermsAction.self,
        OutcomesSetTermsAction.self, OutcomePaymentsApproveAction.self, RiskShareSettleAction.self,
        PartnerAppointAdminAction.self, AuditorAppointAction.self, BudgetLineAddAction.self,
        AllianceSetSettingsAction.self,
    ]

    private static let byType: [String: any DecisionActionKind.Type] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.type, $0) })

    static func kind(_ type: String) -> (any DecisionActionKind.Type)? { byType[type] }

    /// An action as stored in `decisions`: its type, format and body, all three or none (a
    /// resolution). An unknown type or format, or a part missing, is an error, never a silent
    /// default.
    static func stored(type: String?, format: Int16?, body: String?) throws -> DecisionAction? {
        switch (type, format, body) {
        case (nil, nil, nil):
            return nil
        case (let type?, let format?, let body?):
            guard let kind = kind(type) else { throw StoredActionError.unknownType(type) }
            return try JSONDecoder().decode(
                StoredAction.self, from: Data(body.utf8), configuration: (kind, format)
            ).action
        default:
            throw StoredActionError.incomplete
        }
    }
}

/// A stored action this program cannot read: written by a newer one, or damaged. Not a
/// `LedgerError`, which would say the request was at fault.
enum StoredActionError: Error, Equatable, CustomStringConvertible {
    case unknownType(String)
    case unknownFormat(Int16, type: String)
    /// A type, format or body without the others.
    case incomplete

    var description: String {
        switch self {
        case .unknownType(let type): "a decision's action has the unknown type \"\(type)\""
        case .unknownFormat(let format, let type):
            "a decision's \(type) action is stored in the unknown format \(format)"
        case .incomplete: "a decision's action is stored without its type, format or body"
        }
    }
}

/// A stored body decoded by its kind, which the row names rather than the body.
private struct StoredAction: DecodableWithConfiguration {
    let action: DecisionAction

    init(from decoder: any Decoder, configuration: (kind: any DecisionActionKind.Type, format: Int16)) throws
    {
        action = try configuration.kind.init(stored: decoder, format: configuration.format).action
    }
}

/// An action's fields alone, as an encodable value.
private struct ActionFields: Encodable {
    let kind: any DecisionActionKind
    func encode(to encoder: any Encoder) throws { try kind.encodeFields(to: encoder) }
}
