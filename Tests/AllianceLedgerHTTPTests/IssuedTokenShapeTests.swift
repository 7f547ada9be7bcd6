import Testing

@testable import AllianceLedgerHTTP

/// A new token's answer is `{"token": …}` alone: its id goes in `Location`, never the body, as
/// the OpenAPI document's `IssuedToken` says. Bytes as `JSONAnswerEncoder` writes them. No
/// database.
@Suite struct IssuedTokenShapeTests {
    @Test func theAnswerHoldsTheTokenAndNotItsID() throws {
        let bytes = try JSONAnswerEncoder().data(IssuedToken(id: 42, token: "al_abc/def"))
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"token":"al_abc/def"}"#)
    }
}
