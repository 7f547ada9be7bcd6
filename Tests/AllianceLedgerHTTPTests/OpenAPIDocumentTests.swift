import AllianceLedgerHTTP
import Dates
import Foundation
import Postgres
import TestSupport
import Testing

@testable import AllianceLedger

/// The OpenAPI document served at `/openapi.json`: well-formed, self-contained, complete in the
/// ways clients rely on, and in step with what the encoders really write.
@Suite(.timeLimit(.perTest)) struct OpenAPIDocumentTests {
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    /// The document, parsed afresh: `[String: Any]` is not `Sendable`, so it is not shared.
    static func document() throws -> [String: Any] {
        let parsed = try JSONSerialization.jsonObject(with: Data(OpenAPIDocument.json.utf8))
        return try #require(parsed as? [String: Any])
    }

    /// Every operation of the document, with its path and method.
    static func operations(
        _ document: [String: Any]
    ) throws -> [(path: String, method: String, operation: [String: Any], pathItem: [String: Any])] {
        let paths = try #require(document["paths"] as? [String: Any])
        var found: [(path: String, method: String, operation: [String: Any], pathItem: [String: Any])] = []
        for (path, item) in paths.sorted(by: { $0.key < $1.key }) {
            let pathItem = try #require(item as? [String: Any], "\(path)")
            for method in methods {
                if let operation = pathItem[method] as? [String: Any] {
                    found.append((path, method, operation, pathItem))
                }
            }
        }
        return found
    }

    /// Follows a local reference such as `#/components/schemas/Spend`; nil when it leads nowhere.
    static func resolve(_ reference: String, in document: [String: Any]) -> Any? {
        guard reference.hasPrefix("#/") else { return nil }
        var node: Any = document
        for token in reference.dropFirst(2).split(separator: "/", omittingEmptySubsequences: false) {
            let key = token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(
                of: "~0", with: "~")
            if let object = node as? [String: Any], let next = object[key] {
                node = next
            } else if let array = node as? [Any], let index = Int(key), array.indices.contains(index) {
                node = array[index]
            } else {
                return nil
            }
        }
        return node
    }

    /// `object` itself, or what its `$ref` points at when it is a reference.
    static func dereference(_ object: [String: Any], in document: [String: Any]) throws -> [String: Any] {
        guard let reference = object["$ref"] as? String else { return object }
        let target = try #require(resolve(reference, in: document) as? [String: Any], "\(reference)")
        return try dereference(target, in: document)
    }

    /// An operation's responses by status, each one dereferenced, so that a response shared under
    /// `components/responses` is read like one written in place.
    static func responses(
        of operation: [String: Any], in document: [String: Any]
    ) throws -> [String: [String: Any]] {
        let name = operation["operationId"] as? String ?? "an operation"
        let listed = try #require(operation["responses"] as? [String: Any], "\(name) has no responses")
        var responses: [String: [String: Any]] = [:]
        for (status, response) in listed {
            let response = try #require(response as? [String: Any], "\(name) \(status)")
            responses[status] = try dereference(response, in: document)
        }
        return responses
    }

    static func schema(_ name: String, in document: [String: Any]) throws -> [String: Any] {
        try #require(resolve("#/components/schemas/\(name)", in: document) as? [String: Any], "\(name)")
    }

    // MARK: The document's shape

    @Test func isAnOpenAPI31DocumentOfTheService() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let info = try #require(document["info"] as? [String: Any])
        #expect(info["title"] as? String == "Alliance Ledger")
        // One version for the binary and the document, and it is the one VERSION holds.
        #expect(info["version"] as? String == AllianceLedgerVersion.current)
        let versionFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appending(path: "VERSION")
        let written = try String(contentsOf: versionFile, encoding: .utf8)
        #expect(written == AllianceLedgerVersion.current + "\n")
        #expect(
            AllianceLedgerVersion.current.wholeMatch(of: #/[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?/#) != nil)
        let servers = try #require(document["servers"] as? [[String: Any]])
        #expect(servers.count == 1)
        #expect(servers.first?["url"] as? String == "/")
        let bearer = try #require(
            Self.resolve("#/components/securitySchemes/bearer", in: document) as? [String: Any])
        #expect(bearer["type"] as? String == "http")
        #expect(bearer["scheme"] as? String == "bearer")
        #expect(document["security"] == nil, "security is given per operation")
    }

    @Test func everyReferenceResolves() throws {
        let document = try Self.document()
        // Each reference with where it stands, as the keys that lead there from the top.
        var references: [(reference: String, at: [String])] = []
        func walk(_ node: Any, at keys: [String]) {
            if let object = node as? [String: Any] {
                if let reference = object["$ref"] as? String { references.append((reference, keys)) }
                for (key, value) in object { walk(value, at: keys + [key]) }
            } else if let array = node as? [Any] {
                for (index, value) in array.enumerated() { walk(value, at: keys + [String(index)]) }
            }
        }
        walk(document, at: [])
        #expect(references.count > 100)
        for (reference, at) in references {
            #expect(Self.resolve(reference, in: document) != nil, "\(reference) leads nowhere")
            #expect(
                Self.resolve(reference, in: document) is [String: Any],
                "\(reference) at \(at) does not lead to an object")
        }
        // The shared responses' own references (to the Problem schema, to headers) are among them:
        // every shared response has one, and each leads to a schema or a header.
        let shared = try #require(Self.resolve("#/components/responses", in: document) as? [String: Any])
        let inShared = references.filter { $0.at.starts(with: ["components", "responses"]) }
        #expect(Set(inShared.map { $0.at[2] }) == Set(shared.keys))
        for (reference, at) in inShared {
            #expect(
                reference.hasPrefix("#/components/schemas/") || reference.hasPrefix("#/components/headers/"),
                "\(reference) at \(at)")
        }
        // An operation's response refers to a shared response, never to anything else.
        for (reference, at) in references where at.count == 5 && at[0] == "paths" && at[3] == "responses" {
            #expect(reference.hasPrefix("#/components/responses/"), "\(reference) at \(at)")
        }
    }

    @Test func everyOperationHasAUniqueIDASuccessAndItsSecurity() throws {
        let document = try Self.document()
        let operations = try Self.operations(document)
        #expect(operations.count == 67)
        var seen: Set<String> = []
        for (path, method, operation, _) in operations {
            let name = "\(method.uppercased()) \(path)"
            let id = try #require(operation["operationId"] as? String, "\(name) has no operationId")
            #expect(!id.isEmpty && id.first?.isLowercase == true, "\(name): \(id)")
            #expect(!id.contains("-") && !id.contains("_"), "\(name): \(id) is not camelCase")
            #expect(seen.insert(id).inserted, "\(name) repeats the operationId \(id)")
            let responses = try Self.responses(of: operation, in: document)
            #expect(responses.keys.contains { $0.hasPrefix("2") }, "\(name) has no success answer")
            #expect(operation["description"] is String, "\(name) has no description")
            let security = operation["security"] as? [[String: Any]]
            if path.hasPrefix("/v1/") {
                #expect(responses["401"] != nil, "\(name) does not list 401")
                #expect(
                    (responses["401"]?["headers"] as? [String: Any])?["WWW-Authenticate"] != nil,
                    "\(name): its 401 does not say WWW-Authenticate")
                #expect(security?.count == 1 && security?.first?["bearer"] != nil, "\(name)")
                #expect((operation["description"] as? String)?.hasPrefix("Role: ") == true, "\(name)")
            } else {
                #expect(security == nil, "\(name) needs no token")
                #expect(responses["401"] == nil, "\(name) needs no token")
            }
        }
    }

    @Test func everyPathParameterIsDeclaredAndEveryDeclaredOneIsInThePath() throws {
        let document = try Self.document()
        for (path, method, operation, pathItem) in try Self.operations(document) {
            let name = "\(method.uppercased()) \(path)"
            var inTemplate: Set<String> = []
            var rest = Substring(path)
            while let open = rest.firstIndex(of: "{"), let close = rest[open...].firstIndex(of: "}") {
                inTemplate.insert(String(rest[rest.index(after: open)..<close]))
                rest = rest[rest.index(after: close)...]
            }
            let listed =
                (pathItem["parameters"] as? [[String: Any]] ?? [])
                + (operation["parameters"] as? [[String: Any]] ?? [])
            var declared: Set<String> = []
            for parameter in listed {
                let parameter = try Self.dereference(parameter, in: document)
                #expect(parameter["schema"] != nil, "\(name): a parameter without a schema")
                guard parameter["in"] as? String == "path" else { continue }
                let parameterName = try #require(parameter["name"] as? String)
                #expect(parameter["required"] as? Bool == true, "\(name): {\(parameterName)} is not required")
                declared.insert(parameterName)
            }
            #expect(declared == inTemplate, "\(name) declares \(declared.sorted())")
        }
    }

    @Test func everyJSONRequestBodyRefusesUnknownFields() throws {
        let document = try Self.document()
        var bodies = 0
        for (path, method, operation, _) in try Self.operations(document) {
            guard let requestBody = operation["requestBody"] as? [String: Any] else { continue }
            let content = try #require(
                try Self.dereference(requestBody, in: document)["content"] as? [String: Any])
            guard let json = content["application/json"] as? [String: Any] else { continue }
            bodies += 1
            let schema = try Self.dereference(try #require(json["schema"] as? [String: Any]), in: document)
            #expect(schema["type"] as? String == "object", "\(method.uppercased()) \(path)")
            #expect(
                schema["additionalProperties"] as? Bool == false,
                "\(method.uppercased()) \(path) accepts unknown fields")
        }
        #expect(bodies == 21)
    }

    /// The bodies' decoders read an optional field's null as its absence (`decodeIfPresent`), so
    /// the document must say that every optional field of a request body may be null: otherwise a
    /// client built from it is refused nothing the service takes, and a checker sending null to
    /// test a refusal finds it accepted (schemathesis did, for a decision's `closesAt`).
    @Test func everyOptionalRequestFieldMayBeNull() throws {
        let document = try Self.document()
        var optional = 0
        for (path, method, operation, _) in try Self.operations(document) {
            guard let requestBody = operation["requestBody"] as? [String: Any],
                let content = try Self.dereference(requestBody, in: document)["content"] as? [String: Any],
                let json = content["application/json"] as? [String: Any]
            else { continue }
            let schema = try Self.dereference(try #require(json["schema"] as? [String: Any]), in: document)
            let required = Set(schema["required"] as? [String] ?? [])
            for (name, property) in schema["properties"] as? [String: Any] ?? [:]
            where !required.contains(name) {
                optional += 1
                #expect(
                    try Self.admitsNull(try #require(property as? [String: Any]), in: document),
                    "\(method.uppercased()) \(path): \(name) is optional but may not be null")
            }
        }
        // The rule must have something to hold for.
        #expect(optional >= 20)
    }

    /// Whether a schema lets null through: its type says so, or one of its branches does.
    static func admitsNull(_ schema: [String: Any], in document: [String: Any]) throws -> Bool {
        let type = schema["type"]
        if type as? String == "null" || (type as? [String])?.contains("null") == true { return true }
        for key in ["oneOf", "anyOf"] {
            for branch in schema[key] as? [[String: Any]] ?? [] where try admitsNull(branch, in: document) {
                return true
            }
        }
        guard schema["$ref"] != nil else { return false }
        return try admitsNull(try dereference(schema, in: document), in: document)
    }

    @Test func everyCreatingPostTakesAnIdempotencyKeyAndSaysWhenItReplays() throws {
        let document = try Self.document()
        for (path, method, operation, _) in try Self.operations(document) where method == "post" {
            let responses = try Self.responses(of: operation, in: document)
            // An import creates spend but answers 200 with its report; a withdrawal, a removal
            // and a revocation create nothing and answer 200 with what they changed.
            let success =
                ["/spend/imports", "/withdrawal", "/removal", "/revocation"].contains { path.hasSuffix($0) }
                ? "200" : "201"
            guard let created = responses[success] else { continue }
            let parameters = try (operation["parameters"] as? [[String: Any]] ?? []).map {
                try Self.dereference($0, in: document)
            }
            let key = parameters.first { $0["name"] as? String == "Idempotency-Key" }
            #expect(key?["in"] as? String == "header", "POST \(path) takes no Idempotency-Key")
            let keySchema = key?["schema"] as? [String: Any]
            // 128 characters bare, or as a quoted sf-string each may be escaped: 2 + 2 × 128.
            #expect(keySchema?["minLength"] as? Int == 1 && keySchema?["maxLength"] as? Int == 258)
            let conflict = try #require(responses["409"], "POST \(path) lists no 409")
            #expect(try Self.problemTypes(conflict, in: document).contains("/problems/request-in-progress"))
            let unprocessable = try #require(responses["422"], "POST \(path)")
            #expect(
                try Self.problemTypes(unprocessable, in: document).contains(
                    "/problems/idempotency-key-reused"))
            if path.hasSuffix("/tokens") {
                #expect(try Self.problemTypes(conflict, in: document).contains("/problems/token-shown-once"))
            } else {
                let headers = created["headers"] as? [String: Any]
                #expect(headers?["Idempotent-Replayed"] != nil, "POST \(path) does not say when it replays")
            }
        }
    }

    @Test func everyListTakesLimitAndCursorAndAnswersAPage() throws {
        let document = try Self.document()
        var lists = 0
        for (path, method, operation, _) in try Self.operations(document) {
            let responses = try Self.responses(of: operation, in: document)
            let ok = try #require(responses.first { $0.key.hasPrefix("2") }?.value)
            guard
                let reference = ((ok["content"] as? [String: Any])?["application/json"] as? [String: Any])?[
                    "schema"] as? [String: Any],
                let name = reference["$ref"] as? String, name.hasSuffix("Page")
            else { continue }
            lists += 1
            let page = try Self.dereference(reference, in: document)
            let properties = try #require(page["properties"] as? [String: Any])
            #expect(Set(properties.keys) == ["items", "nextCursor"], "\(path)")
            let nextCursor = try #require(properties["nextCursor"] as? [String: Any])
            #expect(nextCursor["type"] as? [String] == ["string", "null"])
            let names = try (operation["parameters"] as? [[String: Any]] ?? []).map {
                try Self.dereference($0, in: document)["name"] as? String
            }
            #expect(names.contains("limit") && names.contains("cursor"), "\(method.uppercased()) \(path)")
        }
        #expect(lists == 9)
        let limit = try #require(
            Self.resolve("#/components/parameters/Limit/schema", in: document) as? [String: Any])
        #expect(
            limit["minimum"] as? Int == 1 && limit["maximum"] as? Int == 1000
                && limit["default"] as? Int == 100)
    }

    /// The problem types an error answer may carry, from its schema's `type` enum.
    static func problemTypes(_ response: [String: Any], in document: [String: Any]) throws -> [String] {
        let response = try dereference(response, in: document)
        let content = try #require(response["content"] as? [String: Any])
        let problem = try #require(content["application/problem+json"] as? [String: Any])
        let schema = try #require(problem["schema"] as? [String: Any])
        let parts = try #require(schema["allOf"] as? [[String: Any]])
        for part in parts {
            if let types = ((part["properties"] as? [String: Any])?["type"] as? [String: Any])?["enum"]
                as? [String]
            {
                return types
            }
        }
        Issue.record("an error answer names no problem type")
        return []
    }

    @Test func everyErrorIsAProblemOfADocumentedTypeAndStatus() throws {
        let document = try Self.document()
        let problem = try Self.schema("Problem", in: document)
        #expect(Set(problem["required"] as? [String] ?? []) == ["type", "title", "status"])
        let properties = try #require(problem["properties"] as? [String: Any])
        #expect(Set(properties.keys) == ["type", "title", "status", "detail", "field", "requestId"])
        // The table in the Problem schema's description: `| `/problems/x` | 422 | … |`.
        let table = try #require(problem["description"] as? String)
        var documented: [String: String] = [:]
        for line in table.split(separator: "\n") where line.hasPrefix("| `/problems/") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            documented[cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = cells[1]
        }
        #expect(documented.count == 40)
        #expect(documented["/problems/import-rejected"] == "422")
        var used: Set<String> = []
        for (path, method, operation, _) in try Self.operations(document) {
            let responses = try Self.responses(of: operation, in: document)
            for (status, response) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                let name = "\(method.uppercased()) \(path) \(status)"
                let types = try Self.problemTypes(response, in: document)
                #expect(!types.isEmpty, "\(name)")
                for type in types {
                    #expect(
                        documented[type] == status,
                        "\(name): \(type) is documented as \(documented[type] ?? "nothing")")
                    used.insert(type)
                }
            }
        }
        // Every documented type is used by some operation, but for unknown methods (not-found is
        // also what a published statement's files answer for whatever is not there).
        #expect(Set(documented.keys).subtracting(used) == ["/problems/method-not-allowed"])
        let unauthenticated = try Self.dereference(
            try #require(
                Self.resolve("#/components/responses/Unauthenticated", in: document) as? [String: Any]),
            in: document)
        #expect((unauthenticated["headers"] as? [String: Any])?["WWW-Authenticate"] != nil)
    }

    /// Error answers are written once, under `components/responses`, and operations refer to
    /// them: every error answer of every operation is such a reference (with at most a description
    /// of its own beside it), every shared answer is used, and every description, shared or given
    /// beside a reference, names each problem type the answer carries.
    @Test func everyErrorAnswerIsASharedResponse() throws {
        let document = try Self.document()
        let shared = try #require(Self.resolve("#/components/responses", in: document) as? [String: Any])
        func expect(_ description: String, names types: [String], _ name: String) {
            for type in types {
                let code = type.dropFirst("/problems/".count)
                #expect(description.contains("`\(code)`"), "\(name): its description does not name \(code)")
            }
        }
        var used: Set<String> = []
        for (path, method, operation, _) in try Self.operations(document) {
            let responses = try #require(operation["responses"] as? [String: Any])
            for (status, response) in responses where status.hasPrefix("4") || status.hasPrefix("5") {
                let name = "\(method.uppercased()) \(path) \(status)"
                let response = try #require(response as? [String: Any], "\(name)")
                let reference = try #require(response["$ref"] as? String, "\(name) is written in place")
                #expect(reference.hasPrefix("#/components/responses/"), "\(name): \(reference)")
                #expect(
                    Set(response.keys).isSubset(of: ["$ref", "description"]), "\(name): \(response.keys)")
                used.insert(String(reference.dropFirst("#/components/responses/".count)))
                let description = try #require(
                    (response["description"] ?? Self.dereference(response, in: document)["description"])
                        as? String, "\(name)")
                expect(description, names: try Self.problemTypes(response, in: document), name)
            }
        }
        #expect(Set(shared.keys) == used, "shared but unused: \(Set(shared.keys).subtracting(used).sorted())")
        for (name, response) in shared {
            let response = try #require(response as? [String: Any], "\(name)")
            #expect(response["$ref"] == nil, "\(name) refers on")
            let description = try #require(response["description"] as? String, "\(name)")
            expect(description, names: try Self.problemTypes(response, in: document), name)
        }
    }

    // MARK: The schemas against the code

    /// The JSON the encoders write, read back with its types intact (JSONDecoder does not turn
    /// `1` into `true`, nor `true` into `1`).
    enum JSONValue: Decodable, Equatable {
        case null
        case bool(Bool)
        case integer(Int64)
        case number(Double)
        case string(String)
        case array([JSONValue])
        case object([String: JSONValue])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .integer(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([JSONValue].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: JSONValue].self))
            }
        }

        static func encoding(_ value: some Encodable) throws -> JSONValue {
            try JSONDecoder().decode(JSONValue.self, from: try JSONEncoder().encode(value))
        }

        static func parsing(_ text: String) throws -> JSONValue {
            try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        }
    }

    /// A small JSON Schema checker: the keywords this document uses, nothing more.
    struct SchemaChecker {
        let document: [String: Any]
        /// For responses: an object has exactly the keys its schema lists, all of them required —
        /// but for keys that a request may leave out (actions are proposed and answered in the
        /// same shape), which must then say in `default` what leaving them out means.
        var closed = false

        func problems(_ value: JSONValue, _ schema: [String: Any], at path: String = "$") -> [String] {
            var found: [String] = []
            if let reference = schema["$ref"] as? String {
                guard let target = OpenAPIDocumentTests.resolve(reference, in: document) as? [String: Any]
                else {
                    return ["\(path): \(reference) leads nowhere"]
                }
                found += problems(value, target, at: path)
            }
            for part in schema["allOf"] as? [[String: Any]] ?? [] {
                found += problems(value, part, at: path)
            }
            if let choices = schema["oneOf"] as? [[String: Any]] {
                let matching = choices.filter { problems(value, $0, at: path).isEmpty }.count
                if matching != 1 { found.append("\(path): matches \(matching) of oneOf") }
            }
            if let type = schema["type"] {
                let types = (type as? [String]) ?? [type as? String ?? "?"]
                if !types.contains(where: { Self.value(value, is: $0) }) {
                    found.append("\(path): \(value) is not \(types)")
                }
            }
            // `if`/`then`/`else` and `const`, as VoteRequest says that an objection needs a reason.
            if let condition = schema["if"] as? [String: Any] {
                let branch = problems(value, condition, at: path).isEmpty ? "then" : "else"
                if let consequence = schema[branch] as? [String: Any] {
                    found += problems(value, consequence, at: path)
                }
            }
            if let constant = schema["const"] as? String, value != .string(constant) {
                found.append("\(path): \(value) is not \(constant)")
            }
            if let allowed = schema["enum"] as? [String] {
                var listed = false
                if case .string(let text) = value { listed = allowed.contains(text) }
                if !listed { found.append("\(path): \(value) is not one of \(allowed)") }
            }
            switch value {
            case .string(let text): found += stringProblems(text, schema, at: path)
            case .integer(let number):
                if let minimum = schema["minimum"] as? NSNumber, Double(number) < minimum.doubleValue {
                    found.append("\(path): \(number) < \(minimum)")
                }
                if let maximum = schema["maximum"] as? NSNumber, Double(number) > maximum.doubleValue {
                    found.append("\(path): \(number) > \(maximum)")
                }
            case .array(let items):
                if let minimum = schema["minItems"] as? Int, items.count < minimum {
                    found.append("\(path): fewer than \(minimum) items")
                }
                if let maximum = schema["maxItems"] as? Int, items.count > maximum {
                    found.append("\(path): more than \(maximum) items")
                }
                if schema["uniqueItems"] as? Bool == true, Set(items.map { "\($0)" }).count != items.count {
                    found.append("\(path): items repeat")
                }
                if let itemSchema = schema["items"] as? [String: Any] {
                    for (index, item) in items.enumerated() {
                        found += problems(item, itemSchema, at: "\(path)[\(index)]")
                    }
                }
            case .object(let members):
                if let minimum = schema["minProperties"] as? Int, members.count < minimum {
                    found.append("\(path): fewer than \(minimum) members")
                }
                for key in schema["required"] as? [String] ?? [] where members[key] == nil {
                    found.append("\(path): \(key) is missing")
                }
                let properties = schema["properties"] as? [String: Any] ?? [:]
                if closed, schema["properties"] != nil {
                    let required = Set(schema["required"] as? [String] ?? [])
                    for (key, property) in properties where !required.contains(key) {
                        if (property as? [String: Any])?["default"] == nil {
                            found.append("\(path): \(key) is neither required nor has a default")
                        } else if members[key] == nil {
                            found.append("\(path): \(key) is missing")
                        }
                    }
                    for key in members.keys where properties[key] == nil {
                        found.append("\(path): \(key) is not in the schema")
                    }
                }
                for (key, member) in members {
                    if let propertySchema = properties[key] as? [String: Any] {
                        found += problems(member, propertySchema, at: "\(path).\(key)")
                    } else if schema["additionalProperties"] as? Bool == false {
                        found.append("\(path): \(key) is not allowed")
                    } else if let extra = schema["additionalProperties"] as? [String: Any] {
                        found += problems(member, extra, at: "\(path).\(key)")
                    }
                }
            case .null, .bool, .number: break
            }
            return found
        }

        private func stringProblems(_ text: String, _ schema: [String: Any], at path: String) -> [String] {
            var found: [String] = []
            if let minimum = schema["minLength"] as? Int, text.count < minimum {
                found.append("\(path): shorter than \(minimum)")
            }
            if let maximum = schema["maxLength"] as? Int, text.count > maximum {
                found.append("\(path): longer than \(maximum)")
            }
            if let pattern = schema["pattern"] as? String {
                do {
                    if try Regex(pattern).firstMatch(in: text) == nil {
                        found.append("\(path): \"\(text)\" does not match \(pattern)")
                    }
                } catch {
                    found.append("\(path): \(pattern) is not a pattern: \(error)")
                }
            }
            switch schema["format"] as? String {
            case "date" where CalendarDate(iso8601: text) == nil:
                found.append("\(path): \"\(text)\" is not a date")
            case "date-time" where Timestamp(iso8601: text) == nil:
                found.append("\(path): \"\(text)\" is not an instant")
            default: break
            }
            return found
        }

        static func value(_ value: JSONValue, is type: String) -> Bool {
            switch (value, type) {
            case (.null, "null"), (.bool, "boolean"), (.integer, "integer"), (.integer, "number"),
                (.number, "number"), (.string, "string"), (.array, "array"), (.object, "object"):
                true
            default: false
            }
        }
    }

    /// Checks what an encoder wrote against the named response schema: its types and formats,
    /// and at every level exactly the keys the schema lists, every one of them required.
    static func expect(
        _ value: JSONValue, conformsTo name: String, in document: [String: Any],
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let problems = SchemaChecker(document: document, closed: true).problems(
            value, try schema(name, in: document))
        #expect(problems.isEmpty, "\(name): \(problems)", sourceLocation: sourceLocation)
    }

    static let day = date(2025, 5, 14)
    static let instant = Timestamp(microsecondsSince1970: 1_747_216_800_123_456)
    static let digest = Digest(Array(repeating: 0xAB, count: 32))

    @Test func theDirectoryEncodersWriteWhatTheSchemasSay() throws {
        let document = try Self.document()
        let contracts: [(CalendarDate?, CalendarDate?)] = [(Self.day, date(2030, 3, 31)), (nil, nil)]
        for (start, end) in contracts {
            let alliance = Alliance(
                id: AllianceID(7), slug: "lambeth-living-well", name: "Lambeth Living Well", currency: "GBP",
                financialYearStartMonth: 4, contractStart: start, contractEnd: end,
                abstention: .standsAside, createdAt: Self.instant)
            try Self.expect(try .encoding(alliance), conformsTo: "Alliance", in: document)
        }
        for leftOn in [nil, Optional(Self.day)] {
            let partner = Partner(
                id: 3, slug: "slam", name: "South London and Maudsley", kind: .nhsProvider,
                joinedOn: Self.day,
                leftOn: leftOn, createdAt: Self.instant)
            try Self.expect(try .encoding(partner), conformsTo: "Partner", in: document)
        }
        let line = BudgetLine(id: 1, code: "STAFF_2", name: "Staff", createdAt: Self.instant)
        try Self.expect(try .encoding(line), conformsTo: "BudgetLine", in: document)
        for (partner, removed) in [(Optional("slam"), nil), (nil, Optional(Self.instant))] {
            let person = Person(
                id: 9, alliance: AllianceID(7), name: "Ada", email: "ada@example.org", partner: partner,
                roles: removed == nil ? [.finance, .board, .auditor] : [], createdAt: Self.instant,
                removedAt: removed)
            try Self.expect(try .encoding(person), conformsTo: "Person", in: document)
        }
        for (person, used, revoked) in [
            (Optional(Int64(9)), nil, nil), (nil, Optional(Self.instant), Optional(Self.instant)),
        ] {
            let token = TokenRecord(
                id: 5, person: person, createdAt: Self.instant, expiresAt: used, lastUsedAt: used,
                revokedAt: revoked)
            try Self.expect(try .encoding(token), conformsTo: "TokenRecord", in: document)
        }
        // A person with the token they used, and a decision and the migration, who have neither;
        // the first record of a log links to nothing.
        let records = [
            GovernanceRecord(
                alliance: AllianceID(7), sequence: 1, kind: "role.granted",
                actor: .init(kind: "migration", person: nil, partner: nil, token: nil),
                details: ["person": "9", "role": "admin", "grantedAt": "2025-05-14T10:00:00.123456Z"],
                requestID: nil, recordedAt: Self.instant, previousHash: nil, hash: Self.digest),
            GovernanceRecord(
                alliance: AllianceID(7), sequence: 2, kind: "vote.cast",
                actor: .init(kind: "person", person: 9, partner: "slam", token: 5),
                details: ["decision": "D-0001", "partner": "slam", "vote": "approve", "reason": ""],
                requestID: "req-1", recordedAt: Self.instant, previousHash: Self.digest, hash: Self.digest),
            GovernanceRecord(
                alliance: AllianceID(7), sequence: 3, kind: "person.added",
                actor: .init(kind: "decision", person: nil, partner: nil, token: nil),
                details: ["decision": "D-0002", "person": "10", "name": "Ext Auditor"],
                requestID: "req-2", recordedAt: Self.instant, previousHash: Self.digest, hash: Self.digest),
        ]
        for record in records {
            try Self.expect(try .encoding(record), conformsTo: "GovernanceRecord", in: document)
        }
        try Self.expect(
            try .encoding(ListPage(items: records, nextCursor: "abc")), conformsTo: "GovernanceRecordPage",
            in: document)
        let verifications = [
            GovernanceVerification(records: 0, headHash: nil, firstMismatch: nil),
            GovernanceVerification(records: 3, headHash: Self.digest, firstMismatch: nil),
            GovernanceVerification(
                records: 1, headHash: Self.digest,
                firstMismatch: .init(sequence: 2, problem: "its hash does not match its content")),
        ]
        for verification in verifications {
            try Self.expect(try .encoding(verification), conformsTo: "GovernanceVerification", in: document)
        }
        let figure = BudgetFigure(
            partner: "slam", budgetLine: "STAFF", amount: 120_000_000, decision: "D-0012", setAt: Self.instant
        )
        try Self.expect(try .encoding(figure), conformsTo: "BudgetFigure", in: document)
        for reversedBy in [nil, Optional(Int64(43))] {
            // Without the optional fields, and with every one of them.
            let classified = reversedBy != nil
            let spend = Spend(
                id: 42, partner: "slam", budgetLine: "STAFF", amount: 123_456, incurredOn: Self.day,
                description: "Agency nurse cover", supplier: "", reference: "INV-1",
                expenseType: classified ? try ExpenseType(code: "5201", label: "Agency staff") : nil,
                supplierType: classified ? .company : nil, supplierID: classified ? "01234567" : "",
                irrecoverableVAT: classified ? 2_469 : nil,
                recordedBy: "ada@example.org",
                recordedAt: Self.instant, hash: Self.digest, reversedBy: reversedBy, replayed: true)
            try Self.expect(try .encoding(spend), conformsTo: "Spend", in: document)
        }
    }

    @Test func theLedgerEncodersWriteWhatTheSchemasSay() throws {
        let document = try Self.document()
        let cost = try AccountCode("partner:slam:cost:STAFF")
        let funding = try AccountCode("partner:slam:funding")
        let variants: [(String?, Int64?)] = [(nil, nil), ("retry-1", 41)]
        for (key, reverses) in variants {
            let entry = JournalEntry(
                alliance: AllianceID(7), sequence: 42, kind: reverses == nil ? .spend : .reversal,
                effectiveOn: Self.day, recordedAt: Self.instant, recordedBy: "operator", description: "Cover",
                metadata: ["partner": "slam"], idempotencyKey: key, requestHash: Self.digest,
                reverses: reverses,
                previousHash: Self.digest, hash: Self.digest,
                postings: [
                    Posting(line: 1, accountID: 1, account: cost, amount: 123_456),
                    Posting(line: 2, accountID: 2, account: funding, amount: -123_456),
                ])
            try Self.expect(try .encoding(entry), conformsTo: "JournalEntry", in: document)
        }
        for floor in [nil, Optional(Int64(0))] {
            let balance = AccountBalance(
                account: Account(
                    id: 1, alliance: AllianceID(7), code: funding, type: .liability, floor: floor),
                balance: -123_456)
            try Self.expect(try .encoding(balance), conformsTo: "AccountBalance", in: document)
        }
        let intact = VerificationReport(
            entries: 0, headHash: Self.digest, firstMismatch: nil, balanceDrifts: [], headProblem: nil)
        try Self.expect(try .encoding(intact), conformsTo: "VerificationReport", in: document)
        let broken = VerificationReport(
            entries: 3, headHash: Self.digest, firstMismatch: .init(sequence: 2, problem: "the hash differs"),
            balanceDrifts: [.init(account: cost, recorded: 5, recomputed: 4)], headProblem: "the head differs"
        )
        try Self.expect(try .encoding(broken), conformsTo: "VerificationReport", in: document)
    }

    @Test func theDecisionEncodersWriteWhatTheSchemasSay() throws {
        let document = try Self.document()
        let first = BudgetChange(
            partner: "slam", budgetLine: "STAFF", previous: nil, amount: 250_000_00, decision: "D-0001",
            appliedAt: Self.instant)
        let second = BudgetChange(
            partner: "slam", budgetLine: "STAFF", previous: 250_000_00, amount: 0, decision: "D-0012",
            appliedAt: Self.instant)
        for change in [first, second] {
            try Self.expect(try .encoding(change), conformsTo: "BudgetChange", in: document)
        }
        try Self.expect(
            try .encoding(ListPage(items: [first, second], nextCursor: "abc")),
            conformsTo: "BudgetChangePage",
            in: document)

        let admitted = Partner(
            id: 6, slug: "newcomer", name: "Newcomer CIC", kind: .vcse, joinedOn: Self.day, leftOn: nil,
            createdAt: Self.instant)
        let removed = Partner(
            id: 2, slug: "slam", name: "SLaM", kind: .nhsProvider, joinedOn: date(2025, 4, 1),
            leftOn: Self.day,
            createdAt: Self.instant)
        let terms = try RiskShareTerms(
            year: 2025,
            gain: [
                try RiskShare(partner: "slam", share: 6000, cap: 100_000_00),
                try RiskShare(partner: "lambeth", share: 4000),
            ],
            pain: [try RiskShare(partner: "slam", share: 10_000)])
        let budget = DecisionAction.budgetSet(
            year: 2025,
            figures: [
                try BudgetSetting(partner: "slam", budgetLine: "STAFF", amount: 0),
                try BudgetSetting(partner: "lambeth", budgetLine: "PREMISES", amount: 40_000_00),
            ])
        let admit = DecisionAction.partnerAdmit(
            try PartnerRequest(slug: "newcomer", name: "Newcomer CIC", kind: .vcse), joinedOn: Self.day,
            admin: try Appointee(name: "Nell", email: "nell@newcomer.example"))
        let appointAdmin = DecisionAction.partnerAppointAdmin(
            partner: "newcomer", person: try Appointee(name: "Nell", email: "nell@newcomer.example"))
        let appointAuditor = DecisionAction.auditorAppoint(
            try Appointee(name: "Ext Auditor", email: "audit@external.example"))
        let admin = Person(
            id: 12, alliance: AllianceID(7), name: "Nell", email: "nell@newcomer.example",
            partner: "newcomer",
            roles: [.admin], createdAt: Self.instant, removedAt: nil)
        let auditor = Person(
            id: 13, alliance: AllianceID(7), name: "Ext Auditor", email: "audit@external.example",
            partner: nil, roles: [.auditor], createdAt: Self.instant, removedAt: nil)
        let addLine = DecisionAction.budgetLineAdd(try BudgetLineRequest(code: "PEER", name: "Peer support"))
        let settings = try AllianceSettings(abstention: .standsAside)
        let thresholds = try AllianceSettings(
            abstention: nil, localTransparencyThreshold: 25_000, centralTransparencyThreshold: 5_000_000)
        let variants: [(DecisionState, DecisionAction?, DecisionEffect?, String?)] = [
            (.open, nil, nil, nil),
            (.open, budget, nil, nil),
            (.carried, nil, nil, nil),
            (.carried, budget, .budgetChanges(year: 2025, [first, second]), nil),
            (.carried, admit, .partnerAdmitted(admitted), nil),
            (.carried, .partnerRemove(partner: "slam", leftOn: Self.day), .partnerRemoved(removed), nil),
            (
                .carried, .riskShareSetTerms(terms),
                .riskShareTerms(
                    year: 2025,
                    [
                        RiskShareTerm(
                            partner: "lambeth", gainShare: 4000, painShare: 0, gainCap: nil, painCap: nil),
                        RiskShareTerm(
                            partner: "slam", gainShare: 6000, painShare: 10_000, gainCap: 100_000_00,
                            painCap: nil),
                    ]), nil
            ),
            (.failed, admit, nil, "partner newcomer already exists in lambeth-living-well"),
            (.open, appointAdmin, nil, nil),
            (.carried, appointAdmin, .personAppointed(type: appointAdmin.type, admin), nil),
            (.carried, appointAuditor, .personAppointed(type: appointAuditor.type, auditor), nil),
            (
                .carried, addLine,
                .budgetLineAdded(
                    BudgetLine(id: 3, code: "PEER", name: "Peer support", createdAt: Self.instant)),
                nil
            ),
            (.carried, .allianceSetSettings(settings), .settingsChanged(settings), nil),
            (.carried, .allianceSetSettings(thresholds), .settingsChanged(thresholds), nil),
            (.rejected, budget, nil, nil),
            (.lapsed, nil, nil, nil),
            (.withdrawn, .riskShareSetTerms(terms), nil, nil),
        ]
        let votes = [
            DecisionVote(
                partner: "slam", person: "ada@example.org", vote: .object, reason: "Too little for staff",
                castAt: Self.instant, current: false),
            DecisionVote(
                partner: "lambeth", person: "bo@example.org", vote: .abstain, reason: nil,
                castAt: Self.instant,
                current: true),
            DecisionVote(
                partner: "slam", person: "ada@example.org", vote: .approve, reason: nil, castAt: Self.instant,
                current: true),
        ]
        for (state, action, effect, failure) in variants {
            let decision = Decision(
                id: 17, number: 12, title: "Budget 2025/26", description: "", action: action,
                proposer: "ada@example.org", proposedAt: Self.instant, closesAt: Self.instant,
                abstention: .blocks, state: state, closedAt: state == .open ? nil : Self.instant,
                failure: failure,
                electorate: ["lambeth", "slam"], votes: state == .open ? [] : votes, effect: effect)
            try Self.expect(try .encoding(decision), conformsTo: "Decision", in: document)
            // The action as answered is an action to propose again, and reads back the same.
            if let action {
                let problems = SchemaChecker(document: document).problems(
                    try .encoding(action), try Self.schema("DecisionAction", in: document))
                #expect(problems.isEmpty, "\(action.type): \(problems)")
                #expect(
                    try JSONDecoder().decode(DecisionAction.self, from: JSONEncoder().encode(action))
                        == action)
            }
        }
        let page = ListPage(
            items: [
                Decision(
                    id: 1, number: 1, title: "Minutes", description: "Of the May meeting", action: nil,
                    proposer: "ada@example.org", proposedAt: Self.instant, closesAt: Self.instant,
                    abstention: .standsAside, state: .open, closedAt: nil, failure: nil, electorate: ["slam"],
                    votes: [], effect: nil)
            ], nextCursor: nil)
        try Self.expect(try .encoding(page), conformsTo: "DecisionPage", in: document)
    }

    /// Worked example O1's terms: three linear measures, one with a cap and a baseline; and a
    /// threshold and a bands measure, so that every rule's shape is written.
    static func outcomeTerms(frequency: OutcomeFrequency = .year) throws -> OutcomeTerms {
        try OutcomeTerms(
            year: 2025, frequency: frequency, pool: 120_000_000,
            measures: [
                try OutcomeMeasure(
                    code: "CARE_PLANS", name: "Care plans reviewed within 12 months", unit: "%",
                    direction: .higher, baseline: try MeasureValue(72.25), target: try MeasureValue(90),
                    weight: 4000, rule: .linear(floor: try MeasureValue(80), cap: try MeasureValue(95)),
                    reporter: "slam"),
                try OutcomeMeasure(
                    code: "BED_DAYS", name: "Reduction in out-of-area bed-days", unit: "%",
                    direction: .higher,
                    target: try MeasureValue(20), weight: 3500,
                    rule: .linear(floor: try MeasureValue(5), cap: nil)),
                try OutcomeMeasure(
                    code: "WAIT", name: "Days from referral to first contact", unit: "days",
                    direction: .lower,
                    target: try MeasureValue(14), weight: 1500, rule: .threshold, reporter: "lambeth",
                    periods: try frequency.periods(of: 2025, startMonth: 4).enumerated().map {
                        index, period in
                        PeriodFigures(
                            period: period.description, target: try MeasureValue(Double(20 - index)),
                            rule: .threshold)
                    }),
                try OutcomeMeasure(
                    code: "SCORES", name: "People with improved outcome scores", unit: "%",
                    direction: .higher,
                    target: try MeasureValue(60), weight: 1000,
                    rule: .bands([
                        try PaymentBand(from: try MeasureValue(45), factor: 5000),
                        try PaymentBand(from: try MeasureValue(60), factor: 10_000),
                    ])),
            ],
            shares: [
                try OutcomeShare(partner: "slam", share: 6000),
                try OutcomeShare(partner: "lambeth", share: 4000),
            ])
    }

    @Test func theOutcomeAndRiskShareEncodersWriteWhatTheSchemasSay() throws {
        let document = try Self.document()
        let terms = try Self.outcomeTerms()
        for frequency in OutcomeFrequency.allCases {
            try Self.expect(
                try .encoding(
                    OutcomeTermsInForce(
                        decision: "D-0003", terms: try Self.outcomeTerms(frequency: frequency))),
                conformsTo: "OutcomeTermsInForce", in: document)
        }
        let measurements = [
            OutcomeMeasurement(
                id: 1, measure: "CARE_PLANS", period: "FY2025", value: try MeasureValue(85),
                evidence: "Q4 audit",
                recordedBy: "finance-slam@example.org", recordedAt: Self.instant, current: false),
            OutcomeMeasurement(
                id: 4, measure: "CARE_PLANS", period: "FY2025", value: try MeasureValue(86.125),
                evidence: "Q4 audit, corrected", recordedBy: "finance-slam@example.org",
                recordedAt: Self.instant,
                current: true),
            OutcomeMeasurement(
                id: 2, measure: "BED_DAYS", period: "FY2025-Q1", value: try MeasureValue(-0.0125),
                evidence: "BI report",
                recordedBy: "finance-slam@example.org", recordedAt: Self.instant, current: true),
            OutcomeMeasurement(
                id: 5, measure: "BED_DAYS", period: "FY2025-Q1", value: try MeasureValue(12),
                evidence: "BI report", recordedBy: "finance-slam@example.org", reporter: "slam",
                recordedAt: Self.instant, current: true,
                review: MeasurementReview(
                    verdict: .validated, note: "Checked", reviewedBy: "auditor@example.org", partner: nil,
                    role: .auditor, reviewedAt: Self.instant)),
            OutcomeMeasurement(
                id: 6, measure: "WAIT", period: "FY2025-Q1", value: try MeasureValue(12),
                evidence: "BI report", recordedBy: "finance-slam@example.org", reporter: "slam",
                recordedAt: Self.instant, current: true,
                review: MeasurementReview(
                    verdict: .rejected, note: "Wrong extract", reviewedBy: "finance-lambeth@example.org",
                    partner: "lambeth", role: .finance, reviewedAt: Self.instant)),
        ]
        for measurement in measurements {
            try Self.expect(try .encoding(measurement), conformsTo: "OutcomeMeasurement", in: document)
        }
        try Self.expect(
            try .encoding(ListPage(items: measurements, nextCursor: nil)),
            conformsTo: "OutcomeMeasurementList",
            in: document)

        let actuals = [
            "CARE_PLANS": try MeasureValue(86), "BED_DAYS": try MeasureValue(20),
            "WAIT": try MeasureValue(12),
        ]
        let posted = SettlementPosting(decision: "D-0004", entry: 7, postedAt: Self.instant)
        let payments = [
            OutcomePayment(
                period: "FY2025", year: 2025, termsDecision: "D-0003", pool: 120_000_000, terms: terms,
                actuals: actuals),
            OutcomePayment(
                period: "FY2025", year: 2025, termsDecision: "D-0003", pool: 120_000_000, terms: terms,
                actuals: actuals, posted: posted),
            OutcomePayment(
                period: "FY2025", year: 2025, termsDecision: "D-0003", pool: 120_000_000, terms: terms,
                actuals: [:],
                posted: SettlementPosting(decision: "D-0004", entry: nil, postedAt: Self.instant)),
            // Measured, partly validated: a provisional and a rejected figure are flagged.
            OutcomePayment(
                period: "FY2025", year: 2025, termsDecision: "D-0003", pool: 120_000_000, terms: terms,
                latest: Dictionary(
                    measurements.filter(\.current).map { ($0.measure, $0) }, uniquingKeysWith: { $1 })),
        ]
        #expect(
            payments[0].results.map(\.actual) == [
                try MeasureValue(86), try MeasureValue(20), try MeasureValue(12), nil,
            ])
        for payment in payments {
            try Self.expect(try .encoding(payment), conformsTo: "OutcomePayment", in: document)
        }

        let shares = try RiskShareTerms(
            year: 2025,
            gain: [
                try RiskShare(partner: "slam", share: 6000, cap: 100_000_00),
                try RiskShare(partner: "lambeth", share: 4000),
            ],
            pain: [
                try RiskShare(partner: "slam", share: 7000, cap: 1_000),
                try RiskShare(partner: "lambeth", share: 3000),
            ],
            partnerSide: try RiskSharePartnerSide(
                gainBands: [
                    try RiskShareBand(upTo: 1000, share: 5000), try RiskShareBand(upTo: nil, share: 2500),
                ],
                painBands: [
                    try RiskShareBand(upTo: 1000, share: 5000), try RiskShareBand(upTo: nil, share: 7500),
                ],
                gainCap: nil, painCap: 80_000_000, fee: 80_000_000))
        let whole = try RiskShareTerms(
            year: 2025, gain: [try RiskShare(partner: "slam", share: 10_000)],
            pain: [try RiskShare(partner: "slam", share: 10_000)])
        let statements = [
            RiskShareStatement(
                termsDecision: "D-0005", terms: shares,
                position: shares.position(target: 200_000_000, actual: 230_000_000),
                settled: nil),
            RiskShareStatement(
                termsDecision: "D-0005", terms: shares,
                position: shares.position(target: 200_000_000, actual: 170_000_000),
                settled: SettlementPosting(decision: "D-0006", entry: 9, postedAt: Self.instant)),
            RiskShareStatement(
                termsDecision: "D-0005", terms: whole, position: whole.position(target: 0, actual: 0),
                settled: SettlementPosting(decision: "D-0006", entry: nil, postedAt: Self.instant)),
        ]
        // R2's overrun, with slam's pain cap reached: the excess goes to lambeth.
        #expect(statements[0].position.partnerSide == -17_500_000)
        #expect(statements[0].position.allocations.map(\.capped) == [true, false])
        // R2's underrun: 50% of the first 10% of target, 25% beyond.
        #expect(statements[1].position.partnerSide == 12_500_000)
        for statement in statements {
            try Self.expect(try .encoding(statement), conformsTo: "RiskShareStatement", in: document)
        }

        // The three new actions, proposed and carried with their effects, as a decision answers them.
        let entry = JournalEntry(
            alliance: AllianceID(7), sequence: 7, kind: .outcomePayment, effectiveOn: date(2026, 3, 31),
            recordedAt: Self.instant, recordedBy: "D-0004", description: "Outcome payment for FY2025",
            metadata: ["decision": "D-0004", "period": "FY2025"], idempotencyKey: nil,
            requestHash: Self.digest,
            reverses: nil, previousHash: Self.digest, hash: Self.digest,
            postings: [
                Posting(
                    line: 1, accountID: 1, account: try AccountCode("alliance:outcome-payments"),
                    amount: 70_800_000),
                Posting(
                    line: 2, accountID: 2, account: try AccountCode("partner:slam:funding"),
                    amount: -42_480_000),
                Posting(
                    line: 3, accountID: 3, account: try AccountCode("partner:lambeth:funding"),
                    amount: -28_320_000),
            ])
        let variants: [(DecisionAction, DecisionEffect?)] = [
            (.outcomesSetTerms(terms), nil),
            (.outcomesSetTerms(terms), .outcomeTerms(terms)),
            (.outcomePaymentsApprove(period: "FY2025", earned: nil), nil),
            (
                .outcomePaymentsApprove(period: "FY2025", earned: 70_800_000),
                .outcomePayment(payments[1], entry: entry)
            ),
            (.outcomePaymentsApprove(period: "FY2025", earned: 0), .outcomePayment(payments[2], entry: nil)),
            (.riskShareSettle(year: 2025, partnerSide: nil), nil),
            (
                .riskShareSettle(year: 2025, partnerSide: 12_500_000),
                .riskShareSettlement(statements[1], entry: entry)
            ),
            (.riskShareSettle(year: 2025, partnerSide: 0), .riskShareSettlement(statements[2], entry: nil)),
            (.riskShareSetTerms(shares), nil),
        ]
        for (action, effect) in variants {
            let decision = Decision(
                id: 17, number: 4, title: "Outcomes", description: "", action: action,
                proposer: "ada@example.org", proposedAt: Self.instant, closesAt: Self.instant,
                abstention: .blocks, state: effect == nil ? .open : .carried,
                closedAt: effect == nil ? nil : Self.instant, failure: nil, electorate: ["lambeth", "slam"],
                votes: [], effect: effect)
            try Self.expect(try .encoding(decision), conformsTo: "Decision", in: document)
            let problems = SchemaChecker(document: document).problems(
                try .encoding(action), try Self.schema("DecisionAction", in: document))
            #expect(problems.isEmpty, "\(action.type): \(problems)")
            #expect(
                try JSONDecoder().decode(DecisionAction.self, from: JSONEncoder().encode(action)) == action)
        }
    }

    @Test func theEnumerationsAreTheCodes() throws {
        let document = try Self.document()
        func values(_ name: String) throws -> Set<String> {
            Set(try Self.schema(name, in: document)["enum"] as? [String] ?? [])
        }
        #expect(try values("EntryKind") == Set(EntryKind.allCases.map(\.rawValue)))
        #expect(try values("PartnerKind") == Set(PartnerKind.allCases.map(\.rawValue)))
        #expect(try values("Role") == Set(Role.allCases.map(\.rawValue)))
        #expect(try values("Abstention") == Set(Abstention.allCases.map(\.rawValue)))
        #expect(try values("AccountType") == Set(AccountType.allCases.map(\.rawValue)))
        #expect(try values("DecisionState") == Set(DecisionState.allCases.map(\.rawValue)))
        #expect(try values("VoteChoice") == Set(VoteChoice.allCases.map(\.rawValue)))
    }

    @Test func theIssuesWireFormatExamplesAreValidRequests() throws {
        let document = try Self.document()
        let valid: [(String, String)] = [
            (
                "AllianceRequest",
                #"{"slug":"lambeth","name":"Lambeth Living Well","currency":"GBP","financialYearStartMonth":4,"contractStart":"2025-04-01","contractEnd":"2030-03-31","abstention":"blocks"}"#
            ),
            ("AllianceRequest", #"{"slug":"l","name":"L"}"#),
            ("PartnerRequest", #"{"slug":"slam","name":"SLaM","kind":"nhs-provider"}"#),
            (
                "PartnerRequest",
                #"{"slug":"lambeth-council","name":"Lambeth","kind":"local-authority","joinedOn":"2025-04-01"}"#
            ),
            ("BudgetLineRequest", #"{"code":"STAFF","name":"Staff"}"#),
            (
                "PersonRequest",
                #"{"name":"Ada","email":"ada@example.org","partner":"slam","roles":["finance","board"]}"#
            ),
            ("TokenRequest", "{}"),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":123456,"incurredOn":"2025-05-14","description":"Cover","supplier":"NHSP","reference":"INV-1"}"#
            ),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":1000000000000,"incurredOn":"2025-05-14","description":"Cover"}"#
            ),
            ("ReversalRequest", #"{"reason":"Entered twice"}"#),
            (
                "ProposalRequest",
                #"{"title":"Budget 2025/26","description":"As discussed","closesAt":"2025-06-01T17:00:00Z","#
                    + #""action":{"type":"budget.set","year":"FY2025","lines":[{"partner":"slam","#
                    + #""budgetLine":"STAFF","amount":25000000}]}}"#
            ),
            ("ProposalRequest", #"{"title":"Thanks to the volunteers"}"#),
            ("ProposalRequest", #"{"title":"Minutes","action":null}"#),
            (
                "ProposalRequest",
                #"{"title":"Welcome","action":{"type":"partner.admit","#
                    + #""partner":{"slug":"newcomer","name":"Newcomer CIC","kind":"vcse"},"joinedOn":"2025-10-01","#
                    + #""admin":{"name":"Nell","email":"nell@newcomer.example"}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"An admin","action":{"type":"partner.appointAdmin","partner":"newcomer","#
                    + #""person":{"name":"Nell","email":"nell@newcomer.example"}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Auditor","action":{"type":"auditor.appoint","#
                    + #""person":{"name":"Ext Auditor","email":"audit@external.example"}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"A line","action":{"type":"budgetLine.add","code":"PEER","name":"Peer support"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Settings","action":{"type":"alliance.setSettings","abstention":"stands-aside"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Farewell","action":{"type":"partner.remove","partner":"slam","leftOn":"2026-03-31"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Shares","action":{"type":"riskShare.setTerms","year":"FY2025","#
                    + #""gain":[{"partner":"slam","share":6000,"cap":100000},{"partner":"lambeth","share":4000,"cap":null}],"#
                    + #""pain":[{"partner":"slam","share":10000,"cap":null}]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Shares","action":{"type":"riskShare.setTerms","year":"FY2025","#
                    + #""gain":[{"partner":"slam","share":10000,"cap":null}],"pain":[{"partner":"slam","share":10000,"cap":null}],"#
                    + #""partnerSide":{"gainBands":[{"upTo":1000,"share":5000},{"share":2500}],"#
                    + #""painBands":[{"upTo":1000,"share":5000},{"upTo":null,"share":7500}],"painCap":80000000,"fee":80000000}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Shares","action":{"type":"riskShare.setTerms","year":"FY2025","#
                    + #""gain":[{"partner":"slam","share":10000,"cap":null}],"pain":[{"partner":"slam","share":10000,"cap":null}],"partnerSide":null}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Outcomes","action":{"type":"outcomes.setTerms","year":"FY2024","pool":120000000,"#
                    + #""measures":[{"code":"CARE_PLANS","name":"Care plans","unit":"%","direction":"higher","#
                    + #""target":90,"weight":4000,"rule":{"type":"linear","floor":80}},"#
                    + #"{"code":"BED_DAYS","name":"Bed-days","unit":"%","direction":"higher","baseline":2.5,"#
                    + #""target":20,"weight":3500,"rule":{"type":"linear","floor":5,"cap":null}},"#
                    + #"{"code":"WAIT","name":"Wait","unit":"days","direction":"lower","target":14,"weight":1500,"#
                    + #""rule":{"type":"threshold"}},"#
                    + #"{"code":"SCORES","name":"Scores","unit":"%","direction":"higher","target":60,"weight":1000,"#
                    + #""rule":{"type":"bands","bands":[{"from":45,"factor":5000},{"from":60,"factor":10000}]}}],"#
                    + #""shares":[{"partner":"slam","share":6000},{"partner":"lambeth","share":4000}]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Quarterly","action":{"type":"outcomes.setTerms","year":"FY2025","frequency":"quarter","#
                    + #""pool":0,"measures":[{"code":"A","name":"A","unit":"%","direction":"lower","baseline":null,"#
                    + #""target":1.5,"weight":10000,"rule":{"type":"threshold"}}],"shares":[{"partner":"slam","share":10000}]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Pay","action":{"type":"outcomePayments.approve","period":"FY2024"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Pay","action":{"type":"outcomePayments.approve","period":"FY2025-Q1","earned":70800000}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"Pay","action":{"type":"outcomePayments.approve","period":"2025-10","earned":null}}"#
            ),
            ("ProposalRequest", #"{"title":"Settle","action":{"type":"riskShare.settle","year":"FY2025"}}"#),
            (
                "ProposalRequest",
                #"{"title":"Settle","action":{"type":"riskShare.settle","year":"FY2025","partnerSide":-17500000}}"#
            ),
            (
                "OutcomeMeasurementRequest",
                #"{"measure":"CARE_PLANS","period":"FY2024","value":86,"evidence":"Audit"}"#
            ),
            (
                "OutcomeMeasurementRequest",
                #"{"measure":"BED_DAYS","period":"FY2025-Q1","value":-0.0125,"evidence":"https://bi.example.org/q1"}"#
            ),
            ("VoteRequest", #"{"vote":"approve"}"#),
            ("VoteRequest", #"{"vote":"object","reason":"The premises line is too low","partner":"slam"}"#),
            ("VoteRequest", #"{"vote":"abstain","reason":null}"#),
            ("WithdrawalRequest", "{}"),
            ("RolesRequest", #"{"roles":["admin","finance"]}"#),
            ("EmptyRequest", "{}"),
        ]
        for (name, body) in valid {
            let problems = SchemaChecker(document: document).problems(
                try .parsing(body), try Self.schema(name, in: document))
            #expect(problems.isEmpty, "\(name) \(body): \(problems)")
        }
        let invalid: [(String, String)] = [
            ("AllianceRequest", #"{"slug":"Lambeth","name":"L"}"#),
            ("AllianceRequest", #"{"slug":"lambeth","name":"L","colour":"red"}"#),
            ("PartnerRequest", #"{"slug":"slam","name":"SLaM","kind":"nhs"}"#),
            ("PartnerRequest", #"{"slug":"-slam","name":"SLaM","kind":"vcse"}"#),
            ("BudgetLineRequest", #"{"code":"staff","name":"Staff"}"#),
            ("PersonRequest", #"{"name":"Ada","email":"ada@example.org","partner":"slam","roles":[]}"#),
            ("PersonRequest", #"{"name":"Ada","email":"ada@example.org","partner":"slam","roles":["boss"]}"#),
            ("TokenRequest", #"{"expires":"2026-01-01"}"#),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":0,"incurredOn":"2025-05-14","description":"Cover"}"#
            ),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":12.5,"incurredOn":"2025-05-14","description":"Cover"}"#
            ),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":"1","incurredOn":"2025-05-14","description":"Cover"}"#
            ),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"14/05/2025","description":"Cover"}"#
            ),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14"}"#
            ),
            // The server's bounds, stated by the document (Tests/Evidence/fuzz-http.py found them).
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":1000000000001,"incurredOn":"2025-05-14","description":"Cover"}"#
            ),
            (
                "SpendRequest",
                #"{"partner":"slam","budgetLine":"STAFF","amount":1,"incurredOn":"2025-05-14","description":"A\u0000B"}"#
            ),
            ("VoteRequest", #"{"vote":"object"}"#),
            ("VoteRequest", #"{"vote":"object","reason":"  "}"#),
            (
                "OutcomeMeasurementRequest",
                #"{"measure":"CARE_PLANS","period":"FY2025","value":100000000001,"evidence":"Audit"}"#
            ),
            ("ReversalRequest", #"{"reason":""}"#),
            ("ProposalRequest", #"{"description":"No title"}"#),
            ("ProposalRequest", #"{"title":"T","closesAt":"next week"}"#),
            ("ProposalRequest", #"{"title":"T","quorum":3}"#),
            ("ProposalRequest", #"{"title":"T","action":{"type":"budget.delete","year":"FY2025"}}"#),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"budget.set","year":"FY2025","lines":[]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"budget.set","year":"FY2025","#
                    + #""lines":[{"partner":"slam","budgetLine":"STAFF","amount":-1}]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"budget.set","year":"FY2025","#
                    + #""lines":[{"partner":"slam","budgetLine":"STAFF","amount":1,"note":"x"}]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"partner.remove","partner":"slam","leftOn":"2026-03-31","why":"x"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"riskShare.setTerms","year":"FY2025","#
                    + #""gain":[{"partner":"slam","share":10001,"cap":null}],"pain":[]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"riskShare.setTerms","year":"FY2025","gain":[],"pain":[],"#
                    + #""partnerSide":{"gainBands":[{"share":5000,"from":1}]}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"riskShare.setTerms","year":"FY2025","gain":[],"pain":[],"#
                    + #""partnerSide":{"floor":0}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"outcomes.setTerms","year":"FY2025","frequency":"week","pool":1,"#
                    + #""measures":[{"code":"A","name":"A","unit":"%","direction":"higher","target":1,"weight":10000,"#
                    + #""rule":{"type":"threshold"}}],"shares":[]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"outcomes.setTerms","year":"FY2025","pool":1,"#
                    + #""measures":[{"code":"A","name":"A","unit":"%","direction":"higher","target":1,"weight":10000,"#
                    + #""rule":{"type":"curve"}}],"shares":[]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"outcomes.setTerms","year":"FY2025","pool":1,"#
                    + #""measures":[{"code":"A","name":"A","unit":"%","direction":"higher","target":1,"weight":10000,"#
                    + #""rule":{"type":"threshold","floor":0}}],"shares":[]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"outcomes.setTerms","year":"FY2025","pool":1,"measures":[],"shares":[]}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"outcomePayments.approve","period":"FY2025-Q5"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"outcomePayments.approve","period":"FY2025","earned":-1}}"#
            ),
            ("ProposalRequest", #"{"title":"T","action":{"type":"riskShare.settle","year":"2025"}}"#),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"riskShare.settle","year":"FY2025","partnerSide":1.5}}"#
            ),
            ("OutcomeMeasurementRequest", #"{"measure":"A","period":"FY2025","value":"86","evidence":"x"}"#),
            ("OutcomeMeasurementRequest", #"{"measure":"A","period":"FY2025","value":86}"#),
            ("OutcomeMeasurementRequest", #"{"measure":"A","period":"FY2025","value":86,"evidence":""}"#),
            (
                "OutcomeMeasurementRequest",
                #"{"measure":"A","period":"FY2025","value":86,"evidence":"x","unit":"%"}"#
            ),
            (
                "OutcomeMeasurementRequest",
                #"{"measure":"A","period":"2025-04-01..2025-06-30","value":86,"evidence":"x"}"#
            ),
            ("OutcomeMeasurementRequest", #"{"measure":"care","period":"FY2025","value":86,"evidence":"x"}"#),
            ("VoteRequest", #"{"vote":"yes"}"#),
            ("VoteRequest", #"{"reason":"No vote"}"#),
            ("VoteRequest", #"{"vote":"approve","weight":2}"#),
            ("WithdrawalRequest", #"{"reason":"changed my mind"}"#),
            // A partner is admitted with its first admin now (issue 13).
            (
                "ProposalRequest",
                #"{"title":"Welcome","action":{"type":"partner.admit","#
                    + #""partner":{"slug":"newcomer","name":"Newcomer CIC","kind":"vcse"},"joinedOn":"2025-10-01"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"partner.admit","#
                    + #""partner":{"slug":"newcomer","name":"Newcomer CIC","kind":"vcse"},"joinedOn":"2025-10-01","#
                    + #""admin":{"name":"Nell","email":"nell@newcomer.example","roles":["board"]}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"partner.appointAdmin","partner":"newcomer","#
                    + #""person":{"name":"Nell"}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"auditor.appoint","partner":"slam","#
                    + #""person":{"name":"A","email":"a@example.org"}}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"budgetLine.add","code":"peer","name":"Peer"}}"#
            ),
            ("ProposalRequest", #"{"title":"T","action":{"type":"alliance.setSettings"}}"#),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"alliance.setSettings","abstention":"counts"}}"#
            ),
            (
                "ProposalRequest",
                #"{"title":"T","action":{"type":"alliance.setSettings","localTransparencyThreshold":-1}}"#
            ),
            ("RolesRequest", #"{"roles":[]}"#),
            ("RolesRequest", #"{"roles":["board"],"partner":"slam"}"#),
            ("EmptyRequest", #"{"reason":"left"}"#),
        ]
        for (name, body) in invalid {
            let problems = SchemaChecker(document: document).problems(
                try .parsing(body), try Self.schema(name, in: document))
            #expect(!problems.isEmpty, "\(name) accepts \(body)")
        }
    }
}
