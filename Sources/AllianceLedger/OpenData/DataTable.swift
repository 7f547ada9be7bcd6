/// One CSV file of a published statement and its Table Schema: the columns are written once
/// here, and both the file's header and its resource in `datapackage.json` come from them, so
/// the two cannot disagree.
struct DataTable: Sendable {
    struct Column: Sendable {
        let name: String
        /// A Table Schema type: string, integer, number, date, datetime or boolean.
        let type: String
        let description: String
        /// The Fiscal Data Package `columnType`, on budget and spend columns.
        var columnType: String? = nil
        var required = false
        /// Allowed values, when the column is a code.
        var values: [String]? = nil
    }

    struct ForeignKey: Sendable {
        let fields: [String]
        /// The file it refers to; nil for the table itself.
        let resource: String?
        let reference: [String]
    }

    /// The file's name, such as `spend.csv`.
    let file: String
    let title: String
    let description: String
    let columns: [Column]
    let primaryKey: [String]
    var foreignKeys: [ForeignKey] = []
    var rows: [[String]] = []

    /// The resource's name in the data package: the file's name without `.csv`.
    var name: String { String(file.dropLast(4)) }

    /// RFC 4180: UTF-8, CRLF line ends, the header first, fields quoted only when they must be
    /// and defused where a spreadsheet would run them as formulas.
    var csv: [UInt8] {
        var out: [UInt8] = []
        func line(_ fields: [String]) {
            for (index, field) in fields.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: CSVField.escape(field).utf8)
            }
            out += [0x0D, 0x0A]
        }
        line(columns.map(\.name))
        for row in rows {
            precondition(row.count == columns.count, "\(file): a row of \(row.count) fields")
            line(row)
        }
        return out
    }

    /// The Table Schema of the file, for its resource in `datapackage.json`.
    var schema: OpenJSON {
        var members: [(String, OpenJSON)] = [
            (
                "fields",
                .array(
                    columns.map { column in
                        var field: [(String, OpenJSON)] = [
                            ("name", .string(column.name)), ("type", .string(column.type)),
                            ("description", .string(column.description)),
                        ]
                        if column.type == "number" { field.append(("bareNumber", true)) }
                        if let columnType = column.columnType {
                            field.append(("columnType", .string(columnType)))
                        }
                        var constraints: [(String, OpenJSON)] = []
                        if column.required { constraints.append(("required", true)) }
                        if let values = column.values {
                            constraints.append(("enum", .array(values.map(OpenJSON.string))))
                        }
                        if !constraints.isEmpty { field.append(("constraints", .object(constraints))) }
                        return .object(field)
                    })
            ),
            ("missingValues", [""]),
        ]
        if !primaryKey.isEmpty { members.append(("primaryKey", .array(primaryKey.map(OpenJSON.string)))) }
        if !foreignKeys.isEmpty {
            members.append(
                (
                    "foreignKeys",
                    .array(
                        foreignKeys.map { key in
                            [
                                "fields": .array(key.fields.map(OpenJSON.string)),
                                "reference": [
                                    "resource": .string(key.resource.map { String($0.dropLast(4)) } ?? ""),
                                    "fields": .array(key.reference.map(OpenJSON.string)),
                                ],
                            ]
                        })
                ))
        }
        return .object(members)
    }
}

extension DataTable.Column {
    static func text(_ name: String, _ description: String, required: Bool = false) -> Self {
        .init(name: name, type: "string", description: description, required: required)
    }

    /// A text column with its Fiscal Data Package `columnType`.
    static func classified(
        _ name: String, _ description: String, _ columnType: String, required: Bool = false
    )
        -> Self
    {
        .init(
            name: name, type: "string", description: description, columnType: columnType, required: required)
    }

    static func code(_ name: String, _ description: String, _ values: [String], required: Bool = true) -> Self
    {
        .init(name: name, type: "string", description: description, required: required, values: values)
    }

    static func integer(_ name: String, _ description: String, required: Bool = false) -> Self {
        .init(name: name, type: "integer", description: description, required: required)
    }

    static func date(_ name: String, _ description: String, required: Bool = true) -> Self {
        .init(name: name, type: "date", description: description, required: required)
    }

    static func instant(_ name: String, _ description: String, required: Bool = true) -> Self {
        .init(name: name, type: "datetime", description: description, required: required)
    }

    static func flag(_ name: String, _ description: String) -> Self {
        .init(name: name, type: "boolean", description: description, required: true)
    }

    /// An amount twice: in the currency's major unit with its decimals (`amount`), and as
    /// integer minor units (`amount_minor`), which sum exactly.
    static func amount(
        _ name: String, _ description: String, columnType: String? = nil, required: Bool = true
    )
        -> [Self]
    {
        [
            .init(
                name: name, type: "number",
                description:
                    "\(description), in the currency's major unit with its decimals (pounds and pence in GBP)",
                columnType: columnType, required: required),
            .init(
                name: name + "_minor", type: "integer",
                description: "\(description), in integer minor units (pence in GBP)",
                required: required),
        ]
    }
}
