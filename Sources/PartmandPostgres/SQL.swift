/// Quoting of SQL identifiers. Values never go into SQL text: pass them as parameters.
public enum SQL {
    /// Quotes an identifier like `quote_ident`, but always: `"name"`, with embedded `"` doubled.
    /// Works on Unicode scalars, not characters: a `"` followed by a combining mark is one Character,
    /// which a character search would not find, and must be doubled all the same.
    public static func identifier(_ name: String) -> String {
        var quoted = String.UnicodeScalarView()
        quoted.append("\"")
        for scalar in name.unicodeScalars {
            quoted.append(scalar)
            if scalar == "\"" { quoted.append(scalar) }
        }
        quoted.append("\"")
        return String(quoted)
    }

    /// A schema-qualified identifier: `"schema"."name"`.
    public static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }
}
