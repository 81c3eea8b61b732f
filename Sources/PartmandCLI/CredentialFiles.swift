import Foundation

/// Files handed over by systemd's `LoadCredential=`.
enum CredentialFiles {
    /// Points libpq at `$CREDENTIALS_DIRECTORY/pgpass` when that file exists and PGPASSFILE is not set,
    /// so the unit can pass a password file without making it readable to anyone else.
    static func usePgpassCredential(environment: [String: String]) {
        guard environment["PGPASSFILE"] == nil, let directory = environment["CREDENTIALS_DIRECTORY"] else { return }
        let path = directory + "/pgpass"
        if FileManager.default.isReadableFile(atPath: path) { setenv("PGPASSFILE", path, 1) }
    }
}
