import Foundation
import PartmandConfig
import Testing

@Suite("Configuration warnings")
struct ConfigWarningTests {
    @Test(
        "a password in a file group or others can read is a warning naming the key, never the password",
        arguments: [
            ("url: postgres://u:s3cret@h/db", "2:8: database.url"),
            ("url: postgresql://u:s3cret@h:5432,h2:5433/db?sslmode=require", "2:8: database.url"),
            ("url: postgres://u@h/db?sslmode=require&password=s3cret", "2:8: database.url"),
            ("url: postgres://u@h/db?pass%77ord=s3cret", "2:8: database.url"),
            ("conninfo: POSTGRES://u:s3cret@h/db", "2:13: database.conninfo"),
            ("conninfo: host=h password=s3cret dbname=db", "2:13: database.conninfo"),
            ("conninfo: \"host=h password = 's3 cret' dbname=db\"", "2:13: database.conninfo"),
            ("conninfo: host=h sslpassword=s3cret", "2:13: database.conninfo"),
            ("conninfo: \"dbname='postgres://u:s3cret@h/db'\"", "2:13: database.conninfo"),
            ("conninfo: \"dbname='host=h password=s3cret'\"", "2:13: database.conninfo"),
            // Unreadable by libpq's rules: warned about when it mentions a password.
            ("conninfo: \"host=h password='s3cret\"", "2:13: database.conninfo"),
        ])
    func passwordInReadableFile(database: String, location: String) throws {
        let config = try parse("database:\n  \(database)\n" + minimalYAML)
        for mode: mode_t in [0o644, 0o640, 0o604, 0o660, 0o601] {
            let warnings = config.warnings(fileMode: mode)
            #expect(warnings.count == 1, "mode \(String(mode, radix: 8)): \(warnings)")
            let text = try #require(warnings.first).description
            #expect(text.hasPrefix("partmand.yaml:\(location): holds a password"), "\(text)")
            #expect(text.contains("(mode 0\(String(mode, radix: 8)))"), "\(text)")
            #expect(!text.contains("s3"), "\(text)")
        }
    }

    @Test("a password in a file only its owner can read is fine")
    func privateFile() throws {
        let config = try parse("database:\n  url: postgres://u:s3cret@h/db\n" + minimalYAML)
        for mode: mode_t in [0o600, 0o400, 0o700, 0o100600] {
            #expect(config.warnings(fileMode: mode).isEmpty)
        }
        #expect(config.warnings(fileMode: nil).isEmpty)
    }

    @Test(
        "a connection without a password is no warning, whatever the mode",
        arguments: [
            "url: postgres://u@h/db", "url: postgres://u:@h/db", "url: postgres://h/db?sslmode=require",
            "url: postgres://u@h/db?application_name=password", "conninfo: host=h user=u dbname=db",
            "conninfo: host=h password=", "conninfo: \"host=h password=''\"", "conninfo: dbname=password_db",
            "conninfo: \"\"", "pool_size: 2",
        ])
    func noPassword(database: String) throws {
        let config = try parse("database:\n  \(database)\n" + minimalYAML)
        #expect(config.warnings(fileMode: 0o644).isEmpty)
    }

    @Test("PARTMAND_DATABASE_URL: the file's password is still warned about, the environment's is not")
    func environment() throws {
        let environment = ["PARTMAND_DATABASE_URL": "postgres://u:env-s3cret@h/db"]
        let filePassword = try parse(
            "database:\n  url: postgres://u:s3cret@h/db\n" + minimalYAML, environment: environment)
        #expect(filePassword.warnings(fileMode: 0o644).map(\.location.key) == ["database.url"])

        let envOnly = try parse("database:\n  url: postgres://u@h/db\n" + minimalYAML, environment: environment)
        #expect(envOnly.warnings(fileMode: 0o644).isEmpty)
    }

    @Test("warnings() reads the mode of the configuration file")
    func fileOnDisk() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("partmand-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("partmand.yaml").path
        try ("database:\n  conninfo: host=h password=s3cret\n" + minimalYAML).write(
            toFile: path, atomically: true, encoding: .utf8)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let config = try ConfigLoader.load(path: path, environment: [:])
        #expect(
            config.warnings().map(\.description) == [
                "\(path):2:13: database.conninfo: holds a password, and the file is readable by group or others "
                    + "(mode 0644); chmod 600 the file, or move the password to a pgpass file"
            ])

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        #expect(config.warnings().isEmpty)
    }
}
