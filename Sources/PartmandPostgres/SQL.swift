/// Quoting of SQL identifiers. Values never go into SQL text: pass them as parameters.
public enum SQL {
    /// Quotes an identifier like `quote_ident`, but always: `"name"`, with embedded `"` doubled.
    public static func identifier(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }

    /// A schema-qualified identifier: `"schema"."name"`.
    public static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }
}
