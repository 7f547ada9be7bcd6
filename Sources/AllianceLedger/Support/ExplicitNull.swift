/// An optional property that a synthesized `Encodable` writes as an explicit `null` when it is
/// nil, where it would leave the key out (it calls `encodeIfPresent` for an `Optional`): the
/// JSON shapes of the ledger always have every key.
///
/// Only for encoding: the values that carry it are read from the database, never decoded.
@propertyWrapper
public struct ExplicitNull<Value> {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }
}

extension ExplicitNull: Encodable where Value: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(wrappedValue)
    }
}

extension ExplicitNull: Equatable where Value: Equatable {}
extension ExplicitNull: Hashable where Value: Hashable {}
extension ExplicitNull: Sendable where Value: Sendable {}
