import Dates
import Postgres

// The wire format of an action, read strictly: HTTP bodies and the command line's
// `--action-file` read it with the same code. `type` names the kind, which reads and writes
// the fields beside it.

extension DecisionAction: Codable {
    private enum TypeField: String, CodingKey, CaseIterable { case type }
    private enum AppointeeField: String, CodingKey, CaseIterable { case name, email }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeField.self)
        let type = try container.decode(String.self, forKey: .type)
        guard let kind = DecisionActionKinds.kind(type) else {
            throw LedgerError.invalidField(
                container.path(of: .type),
                reason:
                    "must be one of \(Self.types.map { "\"\($0)\"" }.joined(separator: ", ")), not \"\(type)\""
            )
        }
        self = try kind.init(fields: decoder).action
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeField.self)
        try container.encode(type, forKey: .type)
        try kind.encodeFields(to: encoder)
    }

    static func yearName(_ year: Int) -> String { "FY" + CalendarDate.fourDigits(year) }

    static func decodeYear<Key: CodingKey>(_ container: KeyedDecodingContainer<Key>, _ key: Key)
        throws
        -> Int
    {
        let text = try container.decode(String.self, forKey: key)
        guard let year = try? Period.financialYear(named: text, startMonth: 4) else {
            throw LedgerError.invalidField(
                container.path(of: key),
                reason: "must name a financial year such as FY2025, not \"\(text)\"")
        }
        return year
    }

    /// Runs a request's own checks, naming a faulty field by its whole path in the document.
    static func naming<Key: CodingKey, Value>(
        _ container: KeyedDecodingContainer<Key>, _ make: () throws -> Value
    ) throws -> Value {
        do {
            return try make()
        } catch LedgerError.invalidField(let field, let reason) {
            // A check inside names its field from where it stands; one already named by a
            // nested call starts with this container's path.
            let prefix = fieldPath(container.codingPath)
            guard !prefix.isEmpty, field != prefix, !field.hasPrefix(prefix + "."),
                !field.hasPrefix(prefix + "[")
            else { throw LedgerError.invalidField(field, reason: reason) }
            throw LedgerError.invalidField(prefix + "." + field, reason: reason)
        }
    }

    /// `{"name","email"}`: someone a decision appoints.
    static func decodeAppointee(_ decoder: any Decoder) throws -> Appointee {
        let container = try decoder.strictContainer(AppointeeField.self)
        return try naming(container) {
            try Appointee(
                name: container.decode(String.self, forKey: .name),
                email: container.decode(String.self, forKey: .email))
        }
    }

    static func encode<Key: CodingKey>(
        _ appointee: Appointee, in container: inout KeyedEncodingContainer<Key>, forKey key: Key
    ) throws {
        var person = container.nestedContainer(keyedBy: AppointeeField.self, forKey: key)
        try person.encode(appointee.name, forKey: .name)
        try person.encode(appointee.email, forKey: .email)
    }
}
