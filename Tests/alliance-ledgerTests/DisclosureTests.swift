import Foundation
import Postgres
import ServiceHarness
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What the service writes to its log holds no one's e-mail address, no token and no password:
/// a failure is logged under its request id with a reason, never with the row it concerned.
/// PostgreSQL's detail ("Failing row contains (…, mallory@example.org, …)") once went to the log
/// whole with every unforeseen refusal.
@Suite(.timeLimit(.perTest)) struct DisclosureTests {
    @Test func aWholeServiceRunLogsNoEmailTokenOrPassword() async throws {
        try await TestDatabase.with { database in
            // The test cluster trusts local connections: the password is never checked, only
            // carried, as a real one would be.
            let password = "pw-\(UUID().uuidString)"
            let url = try database.connectionString.setting("password", to: password).rawValue
            // A refusal the library cannot foresee, whose detail quotes the row.
            let admin = try await database.connect()
            try await admin.execute(
                "ALTER TABLE people ADD CONSTRAINT unforeseen_refusal CHECK (email <> 'mallory@example.org')")
            await admin.close()
            let issued = try await CommandRunner.run(
                ["token", "issue", "--operator", "--format", "csv"], environment: ["DATABASE_URL": url])
            let root = try #require(issued.standardOutput.split(separator: "\r\n").last.map(String.init))

            let service = try await ServiceProcess(["--database-url", url, "--log-level", "trace"])
            var secrets = [password, root, "@example.org"]
            func call(_ method: String, _ path: String, _ body: String? = nil, token: String?, id: String)
                async throws -> HTTPProbe.Response
            {
                var headers = ["X-Request-ID": id]
                if let token { headers["Authorization"] = "Bearer \(token)" }
                if body != nil { headers["Content-Type"] = "application/json" }
                return try await HTTPProbe.request(
                    method, port: service.port, path: path, body: body, headers: headers)
            }
            let base = "/v1/alliances/lambeth"
            #expect(
                try await call(
                    "POST", "/v1/alliances",
                    #"{"slug":"lambeth","name":"Lambeth","contractStart":"2025-04-01","contractEnd":"2030-03-31"}"#,
                    token: root, id: "a"
                ).status == 201)
            #expect(
                try await call(
                    "POST", "\(base)/partners",
                    #"{"slug":"slam","name":"SLaM","kind":"nhs-provider","joinedOn":"2025-04-01"}"#,
                    token: root, id: "b"
                ).status == 201)
            #expect(
                try await call(
                    "POST", "\(base)/budget-lines", #"{"code":"STAFF","name":"Staff"}"#, token: root, id: "c"
                ).status == 201)
            let ada = try await call(
                "POST", "\(base)/people",
                #"{"name":"Ada","email":"ada@example.org","partner":"slam","roles":["finance","admin"]}"#,
                token: root, id: "d")
            #expect(ada.status == 201, "\(ada.body)")
            let adaID = try #require(
                (try JSONSerialization.jsonObject(with: Data(ada.body.utf8)) as? [String: Any])?["id"] as? Int
            )
            let token = try await call("POST", "\(base)/people/\(adaID)/tokens", "{}", token: root, id: "e")
            let adaToken = try #require(
                (try JSONSerialization.jsonObject(with: Data(token.body.utf8)) as? [String: Any])?["token"]
                    as? String)
            secrets.append(adaToken)
            #expect(try await call("GET", "\(base)/people", token: adaToken, id: "f").status == 200)
            let spend = try await call(
                "POST", "\(base)/spend",
                #"{"partner":"slam","budgetLine":"STAFF","amount":1234,"incurredOn":"2025-05-14","description":"agency nurses ada@example.org","supplier":"Acme","reference":"INV-1"}"#,
                token: adaToken, id: "g")
            #expect(spend.status == 201, "\(spend.body)")
            // Refusals of every kind: unknown token, bad field, a database refusal nobody foresaw.
            #expect(try await call("GET", base, token: "alt_bogus-\(password)", id: "h").status == 401)
            #expect(
                try await call(
                    "POST", "\(base)/people", #"{"name":"X","email":"not-an-address","partner":"slam"}"#,
                    token: adaToken, id: "i"
                ).status == 422)
            let unforeseen = try await call(
                "POST", "\(base)/people",
                #"{"name":"Mallory","email":"mallory@example.org","partner":"slam","roles":["finance"]}"#,
                token: adaToken, id: "unforeseen-1")
            #expect(unforeseen.status == 500, "\(unforeseen.body)")
            #expect(!unforeseen.body.contains("mallory"))
            #expect(try await call("GET", "/readyz", token: nil, id: "j").status == 200)
            #expect(try await service.stop(with: SIGTERM) == 0)

            let log = service.log
            for secret in secrets {
                #expect(!log.contains(secret), "the log holds \(secret)")
            }
            #expect(!log.lowercased().contains("failing row"))
            // The failure is there, under its request id, with the constraint that refused it.
            let failure = try #require(
                log.split(separator: "\n").first {
                    $0.contains("unforeseen-1") && $0.contains("request failed")
                },
                "\(log)")
            #expect(failure.contains("unforeseen_refusal"), "\(failure)")
        }
    }
}
