import AllianceLedger
import Crypto
import Dates
import Foundation

/// The frame every public page shares: the alliance's own header (never GOV.UK's crown or
/// typeface), the example-data banner when the service shows the demo, breadcrumbs, the main
/// content and a footer. The style sheet is inline, so a page is one request, and the
/// `Content-Security-Policy` allows exactly that style sheet by its hash and nothing else: no
/// script, no other source.
enum PublicPage {
    static let style: String = embeddedStyle

    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'sha256-\(Data(SHA256.hash(data: Data(style.utf8))).base64EncodedString())'; "
        + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    /// What a page says about where it is and what it shows.
    struct Frame {
        let title: String
        /// The alliance the page is about, named in the header and linked to its page.
        var alliance: (name: String, slug: String)?
        /// Each crumb's text and link; the last is the page itself, unlinked.
        var breadcrumbs: [(text: String, href: String?)] = []
        /// Whether the service shows invented example data (`demo --serve`).
        var exampleData: Bool
    }

    static func document(_ frame: Frame, _ body: (inout HTMLWriter) -> Void) -> String {
        var page = HTMLWriter()
        page.trusted("<!DOCTYPE html>\n")
        page.element("html", ["lang": "en-GB"]) { page in
            page.element("head") { page in
                page.open("meta", ["charset": "utf-8"])
                page.open("meta", ["name": "viewport", "content": "width=device-width, initial-scale=1"])
                page.element(
                    "title",
                    frame.title + (frame.alliance.map { " – \($0.name)" } ?? "") + " – Alliance Ledger")
                page.element("style") { page in page.trusted(style) }
            }
            page.element("body") { page in
                page.element("a", ["class": "skip-link", "href": "#main"], "Skip to main content")
                page.element("header", ["class": "header"]) { page in
                    page.element("div", ["class": "header__inner"]) { page in
                        if let alliance = frame.alliance {
                            page.element(
                                "a", ["class": "header__name", "href": "/public/alliances/\(alliance.slug)"],
                                alliance.name)
                        } else {
                            page.element("a", ["class": "header__name", "href": "/"], "Alliance Ledger")
                        }
                        page.element("span", ["class": "header__service"], "Open-book statements")
                    }
                }
                if frame.exampleData {
                    page.element("div", ["class": "banner", "role": "region", "aria-label": "Example data"]) {
                        page in
                        page.element("p", ["class": "banner__inner"]) { page in
                            page.element("strong", ["class": "tag tag--yellow"], "Example data")
                            page.text(
                                "Every organisation, person and figure on this page is invented, to show how "
                                    + "Alliance Ledger works. None of it is real.")
                        }
                    }
                }
                page.element("main", ["class": "main", "id": "main"]) { page in
                    if !frame.breadcrumbs.isEmpty {
                        page.element("nav", ["class": "breadcrumbs", "aria-label": "Breadcrumb"]) { page in
                            page.element("ol") { page in
                                for crumb in frame.breadcrumbs {
                                    page.element("li") { page in
                                        if let href = crumb.href {
                                            page.element("a", ["href": href], crumb.text)
                                        } else {
                                            page.element("span", ["aria-current": "page"], crumb.text)
                                        }
                                    }
                                }
                            }
                        }
                    }
                    body(&page)
                }
                page.element("footer", ["class": "footer"]) { page in
                    page.element("div", ["class": "footer__inner"]) { page in
                        page.text(
                            "Published with Alliance Ledger \(AllianceLedgerVersion.current). Every statement is "
                                + "also published as JSON, hashed and co-signed; anyone can check it.")
                    }
                }
            }
        }
        return page.markup
    }

    /// The page for a path that names nothing, for a browser: it says only that.
    static func notFound(exampleData: Bool, status: Int) -> String {
        let title = status == 405 ? "This address cannot be used that way" : "Page not found"
        return document(Frame(title: title, exampleData: exampleData)) { page in
            page.element("h1", title)
            if status == 405 {
                page.element("p", "These pages can only be read.")
            } else {
                page.element("p", "If you typed the web address, check it is correct.")
                page.element("p", "If you pasted the web address, check you copied the entire address.")
            }
            page.element("p") { page in
                page.element("a", ["href": "/"], "See every alliance's published statements")
            }
        }
    }

    /// `/`: the alliances that have published statements, each with its latest.
    static func home(
        _ alliances: [(alliance: Alliance, latest: StatementListing)], exampleData: Bool
    ) -> String {
        document(Frame(title: "Open-book statements", exampleData: exampleData)) { page in
            page.element("h1", "Open-book statements")
            page.element(
                "p", ["class": "lead"],
                "Alliances of NHS bodies, councils and voluntary organisations that share one contract publish "
                    + "their books here: budget against actual spend, outcomes, gains and losses shared, and "
                    + "every decision with every partner's vote.")
            guard !alliances.isEmpty else {
                page.element("p", "No alliance has published a statement yet.")
                return
            }
            page.element("h2", "Alliances")
            page.element("ul", ["class": "list"]) { page in
                for (alliance, latest) in alliances {
                    page.element("li") { page in
                        page.element("a", ["href": "/public/alliances/\(alliance.slug)"], alliance.name)
                        page.text(
                            ": latest statement \(latest.number), \(latest.period), published "
                                + PublicFormat.day(latest.publishedAt.calendarDate))
                    }
                }
            }
        }
    }
}

extension HTMLWriter {
    /// A GOV.UK table: a caption, column headers with `scope`, numeric columns (from
    /// `numericFrom` on) right-aligned in tabular figures; `body` writes the rows, each with a
    /// row header. Narrow screens scroll the table, not the page.
    mutating func table(
        caption: String, columns: [String], numericFrom: Int = 1, _ body: (inout HTMLWriter) -> Void
    ) {
        element("div", ["class": "table-wrap"]) { page in
            page.element("table") { page in
                page.element("caption", caption)
                page.element("thead") { page in
                    page.element("tr") { page in
                        for (index, column) in columns.enumerated() {
                            page.element(
                                "th", ["scope": "col", "class": index >= numericFrom ? "numeric" : nil],
                                column)
                        }
                    }
                }
                page.element("tbody", body)
            }
        }
    }

    /// A row of a GOV.UK summary list (`dl class="summary"`): its term and its description,
    /// children of the list itself, which lays them out in two columns (one on a phone).
    mutating func summaryRow(_ key: String, _ value: (inout HTMLWriter) -> Void) {
        element("dt", key)
        element("dd", value)
    }
}
