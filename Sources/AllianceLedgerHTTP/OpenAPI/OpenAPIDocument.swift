/// The OpenAPI 3.1 document of the service, served at `GET /openapi.json`.
///
/// It is data, carried in the binary: `openapi.json` beside this file, which the `EmbedFiles`
/// build plugin compiles in, so that the server answers that file byte for byte and never reads
/// it at run time. It describes every route the server registers, and exactly the keys the
/// encoders write (`LedgerTypes+Encodable.swift`, `DirectoryTypes+Encodable.swift`,
/// `DecisionTypes+Encodable.swift`, `DecisionAction+Codable.swift` and each action's own file
/// such as `Budgets/BudgetSetAction.swift`, `OutcomeTypes+Encodable.swift`).
/// When a route, a request field, a response key or a problem type changes, change the file too:
/// `OpenAPIDocumentTests` checks that the text is well-formed JSON, that every `$ref` resolves,
/// and that what the encoders write conforms to the response schemas, key for key.
public enum OpenAPIDocument {
    /// The document, as JSON text: the exact content of `openapi.json`.
    public static let json: String = embeddedJSON
}
