/// Writes HTML (and the SVG inside it) as the page is walked, escaping every text and attribute
/// value it is given, so that nothing read from a statement can become markup.
///
/// The public pages are written with this rather than with template files: their charts are
/// geometry computed in Swift anyway, the compiler checks every page, and it adds no dependency
/// to the build. Each `element` call's closure is that element's content, so the nesting of the
/// code is the nesting of the page.
struct HTMLWriter {
    private(set) var markup = ""

    init() {
        markup.reserveCapacity(64 * 1024)
    }

    /// `<tag a="v">`, attributes in the order given; a nil value leaves the attribute out.
    mutating func open(_ tag: String, _ attributes: KeyValuePairs<String, String?> = [:]) {
        markup += "<" + tag
        for (name, value) in attributes {
            guard let value else { continue }
            markup += " " + name + "=\"" + Self.escaped(value) + "\""
        }
        markup += ">"
    }

    mutating func close(_ tag: String) {
        markup += "</" + tag + ">"
    }

    /// An element with text content, escaped.
    mutating func element(_ tag: String, _ attributes: KeyValuePairs<String, String?> = [:], _ text: String) {
        open(tag, attributes)
        self.text(text)
        close(tag)
    }

    mutating func element(_ tag: String, _ text: String) {
        element(tag, [:], text)
    }

    mutating func element(_ tag: String, _ body: (inout HTMLWriter) -> Void) {
        element(tag, [:], body)
    }

    /// An element whose content `body` writes.
    mutating func element(
        _ tag: String, _ attributes: KeyValuePairs<String, String?> = [:], _ body: (inout HTMLWriter) -> Void
    ) {
        open(tag, attributes)
        body(&self)
        close(tag)
    }

    /// An SVG element with no content, closed as `<rect …/>`. (HTML's void elements, such as
    /// `<meta>`, are written with `open` alone.)
    mutating func empty(_ tag: String, _ attributes: KeyValuePairs<String, String?> = [:]) {
        open(tag, attributes)
        markup.removeLast()
        markup += "/>"
    }

    mutating func text(_ text: String) {
        markup += Self.escaped(text)
    }

    /// Markup written by this program, never from data: the doctype, the embedded style sheet.
    mutating func trusted(_ markup: String) {
        self.markup += markup
    }

    static func escaped(_ text: String) -> String {
        guard text.contains(where: { $0 == "&" || $0 == "<" || $0 == ">" || $0 == "\"" || $0 == "'" }) else {
            return text
        }
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count + 16)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
