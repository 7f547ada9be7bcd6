import Foundation

/// The statement page's charts: SVG drawn on the server, with no script, each a `figure` whose
/// `svg` has a `title` and `desc` and whose caption is a one-sentence summary; the page puts a
/// table of the same figures beside each. Meaning never rests on colour alone: every bar is
/// labelled in words, and over- and underspends point opposite ways. Every mark has at least
/// 3:1 contrast on white.
enum Charts {
    /// The drawing's width in SVG units. It scales to the page: at 320 px (about 290 px of
    /// drawing) its 12- to 14-unit text is 11 to 13 px, and at the widest (site.css's 28rem)
    /// 17 to 20 px, beside the page's 16 px text.
    static let width = 320.0
    static let ink = "#0b0c0c"
    static let blue = "#1d70b8"
    static let red = "#d4351c"
    static let grey = "#505a5f"

    struct Bar {
        let label: String
        let budget: Int64
        let actual: Int64
    }

    /// Opens the figure and its `svg`, with the text alternative; `body` draws.
    static func figure(
        _ page: inout HTMLWriter, id: String, title: String, summary: String, height: Double,
        _ body: (inout HTMLWriter) -> Void
    ) {
        page.element("figure", ["class": "chart", "id": id]) { page in
            page.element(
                "svg",
                [
                    "xmlns": "http://www.w3.org/2000/svg",
                    "viewBox": "0 0 \(number(width)) \(number(height))",
                    "role": "img", "aria-labelledby": "\(id)-title \(id)-desc", "focusable": "false",
                ]
            ) { page in
                page.element("title", ["id": "\(id)-title"], title)
                page.element("desc", ["id": "\(id)-desc"], summary)
                body(&page)
            }
            page.element("figcaption", ["class": "chart__summary"], summary)
        }
    }

    /// Budget against actual (a bullet chart): per row the budget as an outlined bar, the actual
    /// as a filled bar inside it, largest budget first, from a zero baseline.
    static func bullets(
        _ page: inout HTMLWriter, id: String, title: String, summary: String, bars: [Bar],
        money: (Int64) -> String
    ) {
        let scale = max(1, bars.map { max($0.budget, $0.actual) }.max() ?? 1)
        let sorted = bars.sorted { $0.budget > $1.budget }
        let rows = Rows(sorted.map(\.label), top: 34, height: 70)
        figure(&page, id: id, title: title, summary: summary, height: rows.end + 4) { page in
            legend(&page, [("outline", "Budget"), ("fill", "Actual")])
            for (index, bar) in sorted.enumerated() {
                let (top, lines) = rows[index]
                label(&page, x: 0, y: top + 14, lines)
                let y = top + Rows.extra(lines)
                label(&page, x: 0, y: y + 60, "Actual \(money(bar.actual)) of \(money(bar.budget))", size: 13)
                let budgetWidth = length(bar.budget, of: scale, across: width - 4)
                let actualWidth = length(bar.actual, of: scale, across: width - 4)
                page.empty(
                    "rect",
                    [
                        "x": "1", "y": number(y + 20), "width": number(max(budgetWidth, 1)), "height": "22",
                        "fill": "none", "stroke": ink, "stroke-width": "2",
                    ])
                page.empty(
                    "rect",
                    [
                        "x": "1", "y": number(y + 26), "width": number(max(actualWidth, 1)), "height": "10",
                        "fill": blue,
                    ])
            }
        }
    }

    /// Variance around zero: an underspend to the right, an overspend to the left, each
    /// labelled in words.
    static func diverging(
        _ page: inout HTMLWriter, id: String, title: String, summary: String,
        rows: [(label: String, variance: Int64, budget: Int64)], money: (Int64) -> String
    ) {
        let middle = width / 2
        let scale = max(1, rows.map { $0.variance.magnitude }.max().map { Int64(clamping: $0) } ?? 1)
        let layout = Rows(rows.map(\.label), top: 24, height: 62)
        figure(&page, id: id, title: title, summary: summary, height: layout.end) { page in
            label(&page, x: 0, y: 14, "◀ Over budget", size: 13)
            label(&page, x: width, y: 14, "Under budget ▶", size: 13, anchor: "end")
            for (index, row) in rows.enumerated() {
                let (top, lines) = layout[index]
                let y = top + Rows.extra(lines)
                let share = PublicFormat.percent(
                    basisPoints: PublicFormat.basisPoints(row.variance, of: row.budget))
                let words =
                    row.variance >= 0
                    ? "\(money(row.variance)) under budget (\(share))"
                    : "\(money(-row.variance)) over budget (\(share.replacingOccurrences(of: "-", with: "")))"
                label(&page, x: 0, y: top + 14, lines)
                label(&page, x: 0, y: y + 50, words, size: 13)
                let barWidth = length(Int64(clamping: row.variance.magnitude), of: scale, across: middle - 2)
                page.empty(
                    "rect",
                    [
                        "x": number(row.variance >= 0 ? middle : middle - barWidth), "y": number(y + 20),
                        "width": number(max(barWidth, 1)), "height": "14",
                        "fill": row.variance >= 0 ? blue : red,
                    ])
                // Zero, beside each bar only: a line down the whole drawing would cross the words.
                page.empty(
                    "line",
                    [
                        "x1": number(middle), "x2": number(middle), "y1": number(y + 16),
                        "y2": number(y + 38),
                        "stroke": ink, "stroke-width": "2",
                    ])
            }
        }
    }

    /// Cumulative actual (solid, with a marker per month) against the profiled budget (dashed)
    /// over the months given.
    static func cumulative(
        _ page: inout HTMLWriter, id: String, title: String, summary: String,
        months: [(label: String, budget: Int64, actual: Int64)], money: (Int64) -> String
    ) {
        let height = 240.0
        let left = 4.0
        let bottom = height - 30
        let plotTop = 40.0
        let scale = max(1, months.map { max($0.budget, $0.actual) }.max() ?? 1)
        func x(_ index: Int) -> Double {
            left + (width - left - 12) * Double(index + 1) / Double(max(months.count, 1))
        }
        func y(_ amount: Int64) -> Double { bottom - length(amount, of: scale, across: bottom - plotTop) }
        figure(&page, id: id, title: title, summary: summary, height: height) { page in
            legend(&page, [("dash", "Budget, profiled"), ("line", "Actual")])
            label(&page, x: left, y: plotTop - 4, money(scale), size: 12)
            page.empty(
                "line",
                [
                    "x1": number(left), "x2": number(width), "y1": number(bottom), "y2": number(bottom),
                    "stroke": ink, "stroke-width": "1",
                ])
            let budgetPoints =
                [number(left) + "," + number(bottom)]
                + months.indices.map { number(x($0)) + "," + number(y(months[$0].budget)) }
            let actualPoints =
                [number(left) + "," + number(bottom)]
                + months.indices.map { number(x($0)) + "," + number(y(months[$0].actual)) }
            page.empty(
                "polyline",
                [
                    "points": budgetPoints.joined(separator: " "), "fill": "none", "stroke": ink,
                    "stroke-width": "2", "stroke-dasharray": "6 4",
                ])
            page.empty(
                "polyline",
                [
                    "points": actualPoints.joined(separator: " "), "fill": "none", "stroke": blue,
                    "stroke-width": "3",
                ])
            for index in months.indices {
                page.empty(
                    "circle",
                    ["cx": number(x(index)), "cy": number(y(months[index].actual)), "r": "3.5", "fill": blue])
                // Every other month named when there are more than six: twelve names do not fit
                // side by side at 320 px; the table beside names them all.
                if months.count <= 6 || index % 2 == 0 {
                    label(&page, x: x(index), y: height - 10, months[index].label, size: 12, anchor: "middle")
                }
            }
        }
    }

    /// Each measure's attainment in each period, as a share of what it could earn, against the
    /// full payment (100%).
    static func attainment(
        _ page: inout HTMLWriter, id: String, title: String, summary: String,
        rows: [(label: String, basisPoints: Int)]
    ) {
        let layout = Rows(rows.map(\.label), top: 24, height: 58, size: 13)
        figure(&page, id: id, title: title, summary: summary, height: layout.end + 4) { page in
            label(&page, x: width - 2, y: 14, "Full payment (100%)", size: 13, anchor: "end")
            for (index, row) in rows.enumerated() {
                let (top, lines) = layout[index]
                label(&page, x: 0, y: top + 14, lines, size: 13)
                let y = top + Rows.extra(lines)
                label(
                    &page, x: 0, y: y + 50,
                    "\(PublicFormat.percent(basisPoints: row.basisPoints)) of the payment earned",
                    size: 13)
                page.empty(
                    "rect",
                    [
                        "x": "1", "y": number(y + 20), "width": number(width - 4), "height": "14",
                        "fill": "none",
                        "stroke": grey, "stroke-width": "1",
                    ])
                page.empty(
                    "rect",
                    [
                        "x": "1", "y": number(y + 20),
                        "width": number(
                            max(1, (width - 4) * Double(min(max(row.basisPoints, 0), 10_000)) / 10_000)),
                        "height": "14", "fill": blue,
                    ])
            }
            page.empty(
                "line",
                [
                    "x1": number(width - 3), "x2": number(width - 3), "y1": "18",
                    "y2": number(layout.end), "stroke": ink, "stroke-width": "2",
                ])
        }
    }

    /// A waterfall: the first step is the whole, each later step takes its part away from what
    /// remains, so the last ends at zero.
    static func waterfall(
        _ page: inout HTMLWriter, id: String, title: String, summary: String,
        steps: [(label: String, amount: Int64)], money: (Int64) -> String
    ) {
        let total = steps.first?.amount ?? 0
        let scale = max(1, Int64(clamping: total.magnitude))
        let layout = Rows(steps.map(\.label), top: 0, height: 58)
        figure(&page, id: id, title: title, summary: summary, height: layout.end + 8) { page in
            var remaining = total
            for (index, step) in steps.enumerated() {
                let (top, lines) = layout[index]
                let y = top + Rows.extra(lines)
                let (from, to) = index == 0 ? (Int64(0), step.amount) : (remaining - step.amount, remaining)
                if index > 0 { remaining -= step.amount }
                label(&page, x: 0, y: top + 14, lines)
                label(&page, x: 0, y: y + 50, money(step.amount), size: 13)
                let start = length(Int64(clamping: min(from, to).magnitude), of: scale, across: width - 4)
                let end = length(Int64(clamping: max(from, to).magnitude), of: scale, across: width - 4)
                page.empty(
                    "rect",
                    [
                        "x": number(1 + min(start, end)), "y": number(y + 20),
                        "width": number(max(abs(end - start), 1)), "height": "14",
                        "fill": index == 0 ? ink : blue,
                    ])
            }
        }
    }

    private static func legend(_ page: inout HTMLWriter, _ keys: [(style: String, text: String)]) {
        var x = 0.0
        for key in keys {
            switch key.style {
            case "outline":
                page.empty(
                    "rect",
                    [
                        "x": number(x + 1), "y": "4", "width": "22", "height": "14", "fill": "none",
                        "stroke": ink,
                        "stroke-width": "2",
                    ])
            case "fill":
                page.empty("rect", ["x": number(x), "y": "7", "width": "24", "height": "8", "fill": blue])
            case "dash":
                page.empty(
                    "line",
                    [
                        "x1": number(x), "x2": number(x + 24), "y1": "11", "y2": "11", "stroke": ink,
                        "stroke-width": "2", "stroke-dasharray": "6 4",
                    ])
            default:
                page.empty(
                    "line",
                    [
                        "x1": number(x), "x2": number(x + 24), "y1": "11", "y2": "11", "stroke": blue,
                        "stroke-width": "3",
                    ])
            }
            label(&page, x: x + 30, y: 16, key.text, size: 13)
            x += 40 + Double(key.text.count) * 7.5
        }
    }

    /// Rows of a chart, each as tall as `height` plus a line for every line its label needs
    /// after the first: a long name (a partner's, a measure's) wraps at spaces rather than
    /// running off the drawing's right edge, which at 320 px is near.
    struct Rows {
        static let lineHeight = 17.0
        /// Where each row starts, and its label's lines.
        private let rows: [(top: Double, lines: [String])]
        /// Where the last row ends.
        let end: Double

        init(_ labels: [String], top: Double, height: Double, size: Int = 14) {
            var rows: [(top: Double, lines: [String])] = []
            var y = top
            for label in labels {
                let lines = Charts.lines(label, size: size)
                rows.append((y, lines))
                y += height + Rows.extra(lines)
            }
            self.rows = rows
            end = y
        }

        subscript(index: Int) -> (top: Double, lines: [String]) { rows[index] }

        /// How much lower than a one-line row's the rest of a row with these lines is drawn.
        static func extra(_ lines: [String]) -> Double { lineHeight * Double(max(lines.count - 1, 0)) }
    }

    /// `text` broken at spaces into lines that fit the drawing's width at `size`, taking a
    /// glyph as 0.6 of the size (generous for a sans-serif); a word longer than a line stays
    /// whole.
    static func lines(_ text: String, size: Int) -> [String] {
        let fit = max(1, Int(width / (Double(size) * 0.6)))
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if line.isEmpty {
                line = String(word)
            } else if line.count + 1 + word.count <= fit {
                line += " " + word
            } else {
                lines.append(line)
                line = String(word)
            }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }

    /// A label of several lines: one `text`, a `tspan` a line, so that it reads as one.
    private static func label(
        _ page: inout HTMLWriter, x: Double, y: Double, _ lines: [String], size: Int = 14
    ) {
        guard lines.count > 1 else {
            label(&page, x: x, y: y, lines.first ?? "", size: size)
            return
        }
        page.element("text", ["x": number(x), "y": number(y), "font-size": "\(size)", "fill": ink]) { page in
            for (index, line) in lines.enumerated() {
                page.element(
                    "tspan", ["x": number(x), "dy": index == 0 ? "0" : number(Rows.lineHeight)],
                    index == lines.count - 1 ? line : line + " ")
            }
        }
    }

    private static func label(
        _ page: inout HTMLWriter, x: Double, y: Double, _ text: String, size: Int = 14, anchor: String? = nil
    ) {
        page.element(
            "text",
            ["x": number(x), "y": number(y), "font-size": "\(size)", "fill": ink, "text-anchor": anchor],
            text)
    }

    /// `amount`'s length on an axis where `scale` spans `span` units.
    private static func length(_ amount: Int64, of scale: Int64, across span: Double) -> Double {
        span * Double(max(amount, 0)) / Double(scale)
    }

    /// Coordinates to one decimal place: enough for a screen, and the same on every run.
    static func number(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        let magnitude = abs(tenths)
        return (tenths < 0 ? "-" : "") + "\(magnitude / 10)"
            + (magnitude % 10 == 0 ? "" : ".\(magnitude % 10)")
    }
}
