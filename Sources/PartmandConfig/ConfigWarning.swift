import Foundation

/// Something in a valid configuration that deserves attention: printed as `warning: …`, never fatal.
public struct ConfigWarning: Sendable, Hashable, CustomStringConvertible {
    public var location: ConfigLocation
    public var message: String

    public init(location: ConfigLocation, message: String) {
        self.location = location
        self.message = message
    }

    /// `partmand.yaml:3:8: database.url: holds a password, …`
    public var description: String { "\(location): \(message)" }
}

extension PartmandConfiguration {
    /// The warnings for this configuration, given the permission bits of its file (nil when unknown):
    /// a password in `database.url` or `database.conninfo` of a file that group or others may read
    /// (libpq refuses a pgpass file like that). The password itself is never part of a warning.
    public func warnings(fileMode: mode_t?) -> [ConfigWarning] {
        var warnings: [ConfigWarning] = []
        if let location = database.passwordLocation, let fileMode, fileMode & 0o077 != 0 {
            let mode = String(fileMode & 0o777, radix: 8)
            warnings.append(
                ConfigWarning(
                    location: location,
                    message: "holds a password, and the file is readable by group or others (mode 0\(mode)); "
                        + "chmod 600 the file, or move the password to a pgpass file"))
        }
        return warnings
    }

    /// ``warnings(fileMode:)`` with the mode `source` has on disk now (none when it cannot be read).
    public func warnings() -> [ConfigWarning] {
        var status = stat()
        return warnings(fileMode: stat(source, &status) == 0 ? status.st_mode : nil)
    }
}
