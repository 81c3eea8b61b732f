/// Quoting of SQL identifiers. Values never go into SQL text: pass them as parameters.
public enum SQL {
    /// Quotes an identifier like `quote_ident`, but always: `"name"`, with embedded `"` doubled.
    /// Works on UTF-8 bytes, not characters: a `"` followed by a combining mark is one Character,
    /// which a character search would not find, and must be doubled all the same (the byte of `"`
    /// never occurs inside another character's encoding).
    public static func identifier(_ name: String) -> String {
        let quote = UInt8(ascii: "\"")
        var quoted: [UInt8] = [quote]
        quoted.reserveCapacity(name.utf8.count + 2)
        for byte in name.utf8 {
            quoted.append(byte)
            if byte == quote { quoted.append(byte) }
        }
        quoted.append(quote)
        return String(decoding: quoted, as: UTF8.self)
    }

    /// A schema-qualified identifier: `"schema"."name"`.
    public static func qualified(_ schema: String, _ name: String) -> String {
        identifier(schema) + "." + identifier(name)
    }
}
