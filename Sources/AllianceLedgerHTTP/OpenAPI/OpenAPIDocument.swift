/// Placeholder until the document lands.
public enum OpenAPIDocument {
    public static let json = #"{"openapi":"3.1.0","paths":{}}"#
}
