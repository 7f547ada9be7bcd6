import Postgres

/// `alliance.setSettings`: changes the alliance's settings.
struct AllianceSetSettingsAction: DecisionActionKind {
    static let type = "alliance.setSettings"

    let settings: AllianceSettings

    var action: DecisionAction { .allianceSetSettings(settings) }

    private enum Field: String, CodingKey, CaseIterable {
        case type, abstention, localTransparencyThreshold, centralTransparencyThreshold
    }

    init(settings: AllianceSettings) { self.settings = settings }

    init(fields decoder: any Decoder) throws {
        let container = try decoder.strictContainer(Field.self)
        settings = try DecisionAction.naming(container) {
            try AllianceSettings(
                abstention: container.decodeChoiceIfPresent(Abstention.self, forKey: .abstention),
                localTransparencyThreshold: container.decodeMinorUnitsIfPresent(
                    forKey: .localTransparencyThreshold),
                centralTransparencyThreshold: container.decodeMinorUnitsIfPresent(
                    forKey: .centralTransparencyThreshold))
        }
    }

    func encodeFields(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Field.self)
        // Every setting, null for one the decision leaves as it is.
        try container.encode(settings.abstention, forKey: .abstention)
        try container.encode(settings.localTransparencyThreshold, forKey: .localTransparencyThreshold)
        try container.encode(settings.centralTransparencyThreshold, forKey: .centralTransparencyThreshold)
    }

    func apply(for decision: CarryingDecision, on connection: PostgresConnection) async throws {
        try await connection.execute(
            """
            SELECT alliances_apply_settings(\(decision.alliance.id.rawValue), \(decision.id), \(settings.abstention?.rawValue),
                                            \(settings.localTransparencyThreshold), \(settings.centralTransparencyThreshold))
            """)
        var details = ["decision": decision.reference]
        if let abstention = settings.abstention { details["abstention"] = abstention.rawValue }
        details["localTransparencyThreshold"] = settings.localTransparencyThreshold.map { String($0) }
        details["centralTransparencyThreshold"] = settings.centralTransparencyThreshold.map { String($0) }
        try await GovernanceLog.append(
            "settings.changed", by: .decision, details: details, in: decision.alliance.id, on: connection)
    }

    func effect(of decision: Int64, in alliance: Alliance, on connection: PostgresConnection) async throws
        -> DecisionEffect?
    {
        .settingsChanged(settings)
    }

    func summary(money: (Int64) -> String) -> String {
        "abstention \(settings.abstention?.rule ?? "unchanged")"
    }
}

/// The alliance's settings a decision may change; nil leaves one as it is.
public struct AllianceSettings: Hashable, Sendable {
    /// Whether an abstention blocks a decision or stands aside.
    public let abstention: Abstention?
    /// The net amounts, minor units, from which spend appears in a published statement's
    /// `spend-over-500.csv` and `spend-over-25000.csv`.
    public let localTransparencyThreshold: Int64?
    public let centralTransparencyThreshold: Int64?

    public init(
        abstention: Abstention?, localTransparencyThreshold: Int64? = nil,
        centralTransparencyThreshold: Int64? = nil
    ) throws(LedgerError) {
        guard abstention != nil || localTransparencyThreshold != nil || centralTransparencyThreshold != nil
        else {
            throw .invalidField(
                "abstention",
                reason:
                    "or localTransparencyThreshold or centralTransparencyThreshold: name at least one setting to change"
            )
        }
        for (field, threshold) in [
            ("localTransparencyThreshold", localTransparencyThreshold),
            ("centralTransparencyThreshold", centralTransparencyThreshold),
        ] {
            guard let threshold else { continue }
            guard threshold >= 0 else {
                throw .invalidField(field, reason: "must be zero or more minor units, not \(threshold)")
            }
            try Validate.amount(threshold, field: field)
        }
        self.abstention = abstention
        self.localTransparencyThreshold = localTransparencyThreshold
        self.centralTransparencyThreshold = centralTransparencyThreshold
    }
}

extension AllianceSetSettingsAction {
    func effectSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .settingsChanged(let settings) = effect else { return nil }
        return "abstention now \(settings.abstention?.rule ?? "as it was")"
    }

    func statementSummary(_ effect: DecisionEffect, money: (Int64) -> String) -> String? {
        guard case .settingsChanged(let settings) = effect else { return nil }
        return "abstention now \(settings.abstention?.rawValue ?? "unchanged")"
    }
}
