import AllianceLedger
import Dates

/// An alliance's public page: its partners, the contract, its statements newest first (with
/// restatements and superseded ones marked, and how far each is co-signed), the partners' public
/// keys, and how to verify a statement.
struct AlliancePage {
    let alliance: Alliance
    let partners: [Partner]
    let statements: [StatementListing]
    let keys: [PartnerKey]
    let exampleData: Bool
    let publicBaseURL: String

    func partner(_ slug: String) -> String { partners.first { $0.slug == slug }?.name ?? slug }

    var contract: String {
        switch (alliance.contractStart, alliance.contractEnd) {
        case (let start?, let end?): "\(PublicFormat.day(start)) to \(PublicFormat.day(end))"
        case (let start?, nil): "From \(PublicFormat.day(start))"
        case (nil, let end?): "Until \(PublicFormat.day(end))"
        case (nil, nil): "No fixed dates"
        }
    }

    func render() -> String {
        let frame = PublicPage.Frame(
            title: "Open-book statements", alliance: (alliance.name, alliance.slug),
            breadcrumbs: [("Home", "/"), (alliance.name, nil)], exampleData: exampleData)
        return PublicPage.document(frame) { page in
            page.element("span", ["class": "caption"], "Alliance contract")
            page.element("h1", alliance.name)
            page.element("dl", ["class": "summary"]) { page in
                page.summaryRow("Contract") { page in page.text(contract) }
                page.summaryRow("Decisions") { page in
                    page.text(
                        alliance.abstention == .blocks
                            ? "Unanimous: every partner must approve"
                            : "Unanimous among those voting: a partner may stand aside")
                }
                page.summaryRow("Currency") { page in page.text(alliance.currency) }
            }
            page.element("h2", ["id": "partners"], "Partners")
            page.table(
                caption: "The alliance's partners", columns: ["Partner", "Kind", "Joined", "Left"],
                numericFrom: 99
            ) { page in
                for partner in partners {
                    page.element("tr") { page in
                        page.element("th", ["scope": "row"], partner.name)
                        page.element("td", Self.kind(partner.kind))
                        page.element("td", PublicFormat.day(partner.joinedOn))
                        page.element("td", partner.leftOn.map(PublicFormat.day) ?? "")
                    }
                }
            }
            statementTable(&page)
            keyTable(&page)
            page.element("h2", ["id": "verify"], "How to verify a statement")
            page.element(
                "p",
                "Each statement is canonical JSON (RFC 8785) whose SHA-256 hash chains it to the one before. "
                    + "Each partner's board signs its checkpoint with the key listed above. The Alliance Ledger "
                    + "command-line tool checks the hash, the canonical form, every total and every signature "
                    + "with no access to the ledger:")
            page.element("pre") { page in
                page.element(
                    "code",
                    "curl -sO \(publicBaseURL)/public/alliances/\(alliance.slug)/statements/S-0001.json\n"
                        + "alliance-ledger statement verify S-0001.json")
            }
        }
    }

    private func statementTable(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "statements"], "Statements")
        guard !statements.isEmpty else {
            page.element("p", "No statement has been published yet.")
            return
        }
        page.table(
            caption: "Published statements, newest first",
            columns: ["Statement", "Period", "Published", "Status", "Co-signed"], numericFrom: 99
        ) { page in
            for statement in statements {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"]) { page in
                        page.element(
                            "a",
                            ["href": "/public/alliances/\(alliance.slug)/statements/\(statement.number)"],
                            statement.number)
                    }
                    page.element("td", statement.period)
                    page.element("td", PublicFormat.day(statement.publishedAt.calendarDate))
                    page.element("td") { page in
                        if statement.state == .superseded {
                            page.element("strong", ["class": "tag tag--grey"], "Superseded")
                        } else if let supersedes = statement.supersedes {
                            page.element("strong", ["class": "tag"], "Restates \(supersedes)")
                        } else {
                            page.element("strong", ["class": "tag"], "Published")
                        }
                    }
                    page.element(
                        "td",
                        statement.cosignedByAll
                            ? "By all partners" : "\(statement.signedBy) of \(statement.partners) partners")
                }
            }
        }
    }

    private func keyTable(_ page: inout HTMLWriter) {
        page.element("h2", ["id": "keys"], "Partners' signing keys")
        guard !keys.isEmpty else {
            page.element("p", "No partner has registered a signing key yet.")
            return
        }
        page.table(
            caption: "Ed25519 public keys the partners' boards sign with",
            columns: ["Partner", "Public key", "Registered", "Status"], numericFrom: 99
        ) {
            page in
            for key in keys {
                page.element("tr") { page in
                    page.element("th", ["scope": "row"], partner(key.partner))
                    page.element("td") { page in
                        page.element("code", ["class": "hash"], key.publicKey)
                        page.trusted("<br>")
                        page.text("Fingerprint ")
                        page.element("code", ["class": "hash"], key.fingerprint)
                    }
                    page.element("td", PublicFormat.day(key.registeredAt.calendarDate))
                    page.element(
                        "td", key.revokedAt.map { "Revoked \(PublicFormat.day($0.calendarDate))" } ?? "In use"
                    )
                }
            }
        }
    }

    static func kind(_ kind: PartnerKind) -> String {
        switch kind {
        case .commissioner: "Commissioner"
        case .nhsProvider: "NHS provider"
        case .localAuthority: "Local authority"
        case .vcse: "Voluntary, community or social enterprise"
        case .other: "Other"
        }
    }
}
