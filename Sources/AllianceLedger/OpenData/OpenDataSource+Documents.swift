import Dates
import Postgres

/// The JSON files of a statement: the data package describing its CSVs, the keys current at
/// publication, and the OCDS release package for the alliance contract.
extension OpenDataSource {
    /// A Frictionless Data Package (v2): one resource per CSV with its Table Schema, bytes and
    /// SHA-256, under the Open Government Licence.
    func dataPackage(tables: [DataTable], files: [StatementFile]) -> [UInt8] {
        let resources: [OpenJSON] = tables.compactMap { table in
            guard let file = files.first(where: { $0.name == table.file }) else { return nil }
            return [
                "name": .string(table.name), "path": .string(table.file), "type": "table",
                "title": .string(table.title), "description": .string(table.description), "format": "csv",
                "mediatype": "text/csv", "encoding": "utf-8", "bytes": .integer(Int64(file.bytes.count)),
                "hash": .string("sha256:\(file.hash)"),
                "dialect": [
                    "$schema": "https://datapackage.org/profiles/2.0/tabledialect.json", "header": true,
                    "delimiter": ",", "lineTerminator": "\r\n",
                ],
                "schema": table.schema,
            ]
        }
        let document: OpenJSON = [
            "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
            "name": .string("\(alliance.slug)-\(number.lowercased())"),
            "id": .string(address),
            "title": .string("\(alliance.name): open-book statement \(number), \(statement.period.name)"),
            "description": .string(
                "The published open-book statement \(number) of \(alliance.name) for \(statement.period.name) (\(statement.period.from) to \(statement.period.to)), as CSV files. Amounts are in \(currency). The spend-over-500 and spend-over-25000 files supplement, and do not replace, each partner's own statutory transparency publication."
            ),
            "version": .string(number),
            "created": .string(publishedAt.description),
            "licenses": [StatementFiles.licence],
            "sources": [["title": .string(alliance.name), "path": .string(address)]],
            "resources": .array(resources),
        ]
        return document.bytes
    }

    /// The partners' public keys current at publication: a list `statement verify
    /// --trusted-keys` reads. Pin keys from elsewhere too: a file cannot vouch for itself.
    func keysJSON() -> [UInt8] {
        OpenJSON.array(
            keys.map { key in
                [
                    "partner": .string(key.partner), "publicKey": .string(key.publicKey),
                    "fingerprint": .string(key.fingerprint),
                    "registeredAt": .string(key.registeredAt.description),
                ]
            }
        ).bytes
    }

    /// An OCDS 1.1.5 release package: one release per statement for the alliance contract, with
    /// the partners as parties, decisions and outcome payments as milestones, and only money
    /// between parties (outcome payments, settlements) as transactions. Spend rows stay in
    /// `spend.csv`, which the transactions' `source` names.
    func ocdsJSON() -> [UInt8] {
        let ocid = "ocds-unregistered-\(alliance.slug)"
        let contractID = "\(alliance.slug)-alliance-agreement"
        let commissioners = partners.filter { OpenDataSource.roles($0.kind).contains("payer") }
        let providers = partners.filter { !OpenDataSource.roles($0.kind).contains("payer") }
        let value = { (amount: Int64) -> OpenJSON in
            ["amount": .decimal(money(amount)), "currency": .string(currency)]
        }
        let party = { (partner: Partner) -> OpenJSON in
            ["id": .string(partner.slug), "name": .string(partner.name)]
        }
        var milestones: [OpenJSON] = statement.decisions.map { decision in
            var milestone: [(String, OpenJSON)] = [
                ("id", .string(decision.number)), ("title", .string(decision.title)), ("type", "approval"),
                (
                    "status",
                    decision.state == "carried" ? "met" : decision.state == "open" ? "scheduled" : "notMet"
                ),
                ("dueDate", .string(decision.closesAt.description)),
            ]
            if decision.state == "carried", let closed = decision.closedAt {
                milestone.append(("dateMet", .string(closed.description)))
            }
            if let effect = decision.effect { milestone.append(("description", .string(effect))) }
            return .object(milestone)
        }
        var transactions: [OpenJSON] = []
        let buyer = commissioners.first.map { partner -> OpenJSON in party(partner) }
        for period in statement.outcomes.periods {
            var milestone: [(String, OpenJSON)] = [
                ("id", .string("outcome-payment-\(period.period)")),
                ("title", .string("Outcome payment \(period.period)")),
                ("type", "payment"), ("code", .string(period.period)),
                ("status", period.paid == nil ? "scheduled" : "met"),
                (
                    "description",
                    .string("Pool \(money(period.pool)) \(currency), earned \(money(period.earned))")
                ),
            ]
            if let paid = period.paid {
                milestone.append(("dateMet", .string(publishedAt.description)))
                for allocation in period.allocations where allocation.amount != 0 {
                    transactions.append(
                        [
                            "id": .string(
                                "\(paid.entry.map(String.init) ?? paid.decision)-\(allocation.partner)"),
                            "source": .string("\(address)/spend.csv"),
                            "date": .string(publishedAt.description),
                            "value": value(allocation.amount), "payer": buyer ?? .null,
                            "payee": [
                                "id": .string(allocation.partner),
                                "name": .string(partnerName(allocation.partner)),
                            ],
                            "uri": .string("\(address)/outcome-payments.csv"),
                        ])
                }
            }
            milestones.append(.object(milestone))
        }
        if let share = statement.riskShare, let settled = share.settled {
            for allocation in share.allocations where allocation.amount != 0 {
                let partner =
                    [
                        "id": OpenJSON.string(allocation.partner),
                        "name": .string(partnerName(allocation.partner)),
                    ] as OpenJSON
                transactions.append(
                    [
                        "id": .string(
                            "\(settled.entry.map(String.init) ?? settled.decision)-\(allocation.partner)"),
                        "source": .string("\(address)/risk-share.csv"),
                        "date": .string(publishedAt.description),
                        "value": value(
                            allocation.amount.magnitude > 0 ? Int64(allocation.amount.magnitude) : 0),
                        "payer": allocation.amount > 0 ? buyer ?? .null : partner,
                        "payee": allocation.amount > 0 ? partner : buyer ?? .null,
                        "uri": .string("\(address)/risk-share.csv"),
                    ])
            }
        }
        var contract: [(String, OpenJSON)] = [
            ("id", .string(contractID)), ("awardID", .string(contractID)), ("title", .string(alliance.name)),
            ("status", "active"),
        ]
        var period: [(String, OpenJSON)] = []
        if let start = alliance.contractStart { period.append(("startDate", .string("\(start)T00:00:00Z"))) }
        if let end = alliance.contractEnd { period.append(("endDate", .string("\(end)T23:59:59Z"))) }
        if !period.isEmpty { contract.append(("period", .object(period))) }
        contract.append(("milestones", .array(milestones)))
        contract.append(
            (
                "implementation",
                [
                    "transactions": .array(transactions),
                    "documents": [
                        [
                            "id": .string(number), "documentType": "financialProgressReport",
                            "title": .string("Open-book statement \(number), \(statement.period.name)"),
                            "url": .string("\(address)/statement.json"), "format": "application/json",
                        ]
                    ],
                ]
            ))
        var release: [(String, OpenJSON)] = [
            ("ocid", .string(ocid)), ("id", .string("\(ocid)-\(number)")),
            ("date", .string(publishedAt.description)),
            ("tag", ["implementationUpdate"]), ("initiationType", "tender"), ("language", "en"),
            (
                "parties",
                .array(
                    partners.map { partner in
                        var roles = OpenDataSource.roles(partner.kind)
                        if partner.slug == commissioners.first?.slug { roles.insert("buyer", at: 0) }
                        return [
                            "id": .string(partner.slug), "name": .string(partner.name),
                            "roles": .array(roles.map(OpenJSON.string)),
                        ]
                    })
            ),
        ]
        if let buyer { release.append(("buyer", buyer)) }
        release.append(
            (
                "awards",
                [
                    [
                        "id": .string(contractID), "title": .string(alliance.name), "status": "active",
                        "suppliers": .array(providers.map(party)),
                    ]
                ]
            ))
        release.append(("contracts", [.object(contract)]))
        let package: OpenJSON = [
            "uri": .string("\(address)/ocds.json"), "version": "1.1",
            "publishedDate": .string(publishedAt.description),
            "publisher": ["name": .string(alliance.name)],
            "license": "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "publicationPolicy": .string("\(address)/statement.json"),
            "releases": [.object(release)],
        ]
        return package.bytes
    }
}
