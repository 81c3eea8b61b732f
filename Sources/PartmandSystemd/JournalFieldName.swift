/// Turns swift-log metadata keys into journal field names.
///
/// journald accepts a field only when its name is 1–64 characters of `A-Z`, `0-9` and `_`, does not
/// start with a digit, and (for fields sent by clients) does not start with `_`. The `PARTMAND_`
/// prefix takes care of the first character, so digits and underscores may lead the key.
enum JournalFieldName {
    /// Prefix of every metadata field; also keeps them apart from journald's own fields.
    static let prefix = "PARTMAND_"
    /// journald's limit on a field name's length.
    static let maximumLength = 64

    /// `PARTMAND_` + the key upper-cased, every character outside `A-Z0-9_` replaced by `_`,
    /// cut to 64 characters: `run_id` → `PARTMAND_RUN_ID`, `http.status` → `PARTMAND_HTTP_STATUS`.
    static func forMetadataKey(_ key: String) -> String {
        var name = prefix.unicodeScalars
        for scalar in key.unicodeScalars {
            guard name.count < maximumLength else { break }
            switch scalar {
            case "a"..."z": name.append(Unicode.Scalar(scalar.value - 0x20)!)
            case "A"..."Z", "0"..."9", "_": name.append(scalar)
            default: name.append("_")
            }
        }
        return String(name)
    }
}
