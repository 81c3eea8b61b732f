import Foundation
import Testing

/// A valid configuration whose database cannot be reached: nothing listens on port 1.
private func configuration(database: String = "conninfo: host=127.0.0.1 port=1 connect_timeout=2") -> String {
    """
    database:
      \(database)
    maintenance:
      lock_timeout: 1s
      statement_timeout: 5min
      retries: 5
    schedule:
      at: 02:00
      timezone: Europe/Paris
    tables:
      - table: public.webhook_events
        column: received_at
        interval: monthly
        premake: 4
        retention: 6 months

    """
}

@Suite("partmand --help")
struct HelpTests {
    @Test("the top-level help lists the subcommands")
    func topLevel() throws {
        let result = try runPartmand(["--help"])
        #expect(result.status == 0, "\(result)")
        for text in ["USAGE: partmand <subcommand>", "once", "plan", "config", "Keeps PostgreSQL range-partitioned"] {
            #expect(result.stdout.words.contains(text.words), "missing '\(text)' in \(result)")
        }
    }

    @Test("once --help lists its options and exit codes")
    func once() throws {
        let result = try runPartmand(["once", "--help"])
        #expect(result.status == 0, "\(result)")
        for text in [
            "--table <schema.table>", "--dry-run", "--now <instant>", "--config <config>", "--log-level",
            "--log-format", "Exit status", "1 some table failed", "69 database unreachable", "78 bad configuration",
        ] {
            #expect(result.stdout.words.contains(text.words), "missing '\(text)' in \(result)")
        }
    }

    @Test("plan --help lists its options")
    func plan() throws {
        let result = try runPartmand(["plan", "--help"])
        #expect(result.status == 0, "\(result)")
        for text in ["--json", "--table <schema.table>", "--now <instant>", "without changing anything"] {
            #expect(result.stdout.words.contains(text.words), "missing '\(text)' in \(result)")
        }
    }

    @Test("config --help lists check and show, and each explains itself")
    func config() throws {
        let result = try runPartmand(["config", "--help"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("check"), "\(result)")
        #expect(result.stdout.contains("show"), "\(result)")

        let check = try runPartmand(["config", "check", "--help"])
        #expect(check.status == 0)
        #expect(check.stdout.words.contains("without connecting"), "\(check)")
        #expect(check.stdout.words.contains("exit 78 when invalid"), "\(check)")
        #expect(check.stdout.contains("--config <config>"), "\(check)")

        let show = try runPartmand(["config", "show", "--help"])
        #expect(show.status == 0)
        #expect(show.stdout.words.contains("passwords redacted"), "\(show)")
    }

    @Test("`partmand help once` matches `partmand once --help`")
    func helpSubcommand() throws {
        let viaHelp = try runPartmand(["help", "once"])
        let viaFlag = try runPartmand(["once", "--help"])
        #expect(viaHelp.status == 0)
        #expect(viaHelp.stdout == viaFlag.stdout)
    }
}

@Suite("partmand config check")
struct ConfigCheckTests {
    @Test("a good file exits 0")
    func good() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partmand.yaml", configuration())
        let result = try runPartmand(["config", "check", "--config", path])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout == "\(path): ok, 1 table(s)\n")
    }

    @Test(
        "a bad file exits 78 naming file, line and key",
        arguments: [
            ("premake: 4", "premake: 0", "14:14: tables[0].premake: must be between 1 and 1000"),
            ("interval: monthly", "interval: montly", "13:15: tables[0].interval: cannot parse 'montly'"),
            ("  retries: 5", "  retries: 5\n  retrys: 6", "7:3: maintenance.retrys: unknown key"),
            ("  timezone: Europe/Paris", "  timezone: Europe/Pariss", "9:13: schedule.timezone: unknown time zone"),
            (
                "    premake: 4", "    premake: 4\n    premake: 5",
                "15:5: tables[0].premake: duplicate key (first at line 14)"
            ),
            (
                "  retries: 5", "  retries: [5",
                "7:9: not valid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 6, column 12)"
            ),
        ])
    func bad(original: String, replacement: String, expected: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let text = configuration().replacingOccurrences(of: original, with: replacement)
        let path = try scratch.write("partmand.yaml", text)
        let result = try runPartmand(["config", "check", "--config", path])
        #expect(result.status == 78, "\(result)")
        #expect(result.stderr.contains("configuration error: \(path):\(expected)"), "\(result)")
        #expect(result.stdout.isEmpty, "\(result)")
    }

    @Test("a password in a file others can read: a warning on stderr, still exit 0; none when private")
    func passwordWarning() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write(
            "partmand.yaml", configuration(database: "conninfo: host=127.0.0.1 port=1 password=s3cret"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let readable = try runPartmand(["config", "check", "--config", path])
        #expect(readable.status == 0, "\(readable)")
        #expect(readable.stdout == "\(path): ok, 1 table(s)\n", "\(readable)")
        #expect(
            readable.stderr.contains(
                "warning: \(path):2:13: database.conninfo: holds a password, and the file is readable by group or"
                    + " others (mode 0644)"), "\(readable)")
        #expect(!readable.stderr.contains("s3cret"), "\(readable)")

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        let owned = try runPartmand(["config", "check", "--config", path])
        #expect(owned.status == 0, "\(owned)")
        #expect(!owned.stderr.contains("warning"), "\(owned)")
    }

    @Test("a missing file exits 78")
    func missingFile() throws {
        let result = try runPartmand(["config", "check", "--config", "/nonexistent/partmand.yaml"])
        #expect(result.status == 78, "\(result)")
        #expect(result.stderr.contains("/nonexistent/partmand.yaml: cannot read"), "\(result)")
    }

    @Test("PARTMAND_CONFIG names the file; --config wins over it")
    func configEnvironment() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let good = try scratch.write("good.yaml", configuration())
        let bad = try scratch.write("bad.yaml", "tables: {}\n")

        let fromEnvironment = try runPartmand(["config", "check"], environment: ["PARTMAND_CONFIG": good])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment)")
        #expect(fromEnvironment.stdout.hasPrefix("\(good): ok"), "\(fromEnvironment)")

        let badFromEnvironment = try runPartmand(["config", "check"], environment: ["PARTMAND_CONFIG": bad])
        #expect(badFromEnvironment.status == 78, "\(badFromEnvironment)")
        #expect(badFromEnvironment.stderr.contains("\(bad):1:9: tables: expected a list"), "\(badFromEnvironment)")

        let explicit = try runPartmand(["config", "check", "--config", good], environment: ["PARTMAND_CONFIG": bad])
        #expect(explicit.status == 0, "\(explicit)")
    }
}

@Suite("partmand config show")
struct ConfigShowTests {
    @Test("defaults are filled in")
    func defaults() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write(
            "partmand.yaml", "tables:\n  - table: webhook_events\n    column: received_at\n    interval: monthly\n")
        let result = try runPartmand(["config", "show", "--config", path])
        #expect(result.status == 0, "\(result)")
        for line in [
            "# effective configuration from \(path)", "  conninfo: \"\"", "  pool_size: 2", "  connect_timeout: 10s",
            "  lock_timeout: 1s", "  statement_timeout: 5min", "  retries: 5", "  at: [\"02:00\"]",
            "  run_on_start: true", "  - table: \"public.webhook_events\"", "    interval: 1 month", "    premake: 4",
            "    retention: null  # keep everything", "    retention_action: drop", "    default_partition: true",
            "    enabled: true",
        ] {
            #expect(result.stdout.contains(line + "\n"), "missing '\(line)' in \(result)")
        }
    }

    @Test(
        "passwords are redacted",
        arguments: [
            ("url: postgres://u:s3cret@h/db", "  url: \"postgres://u:***@h/db\""),
            ("url: postgresql://u@h/db?password=s3cret&sslmode=require", "password=***&sslmode=require"),
            ("conninfo: host=h password=s3cret dbname=db", "  conninfo: \"host=h password=*** dbname=db\""),
            ("conninfo: \"host=h password='s3 cret' dbname=db\"", "password=*** dbname=db"),
        ])
    func redacted(database: String, expected: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partmand.yaml", configuration(database: database))
        let result = try runPartmand(["config", "show", "--config", path])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains(expected), "\(result)")
        #expect(!result.stdout.contains("s3"), "\(result)")
        #expect(!result.stderr.contains("s3"), "\(result)")
    }

    @Test("PARTMAND_DATABASE_URL replaces the file's connection, redacted")
    func databaseURL() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partmand.yaml", configuration(database: "url: postgres://file@filehost/db"))
        let result = try runPartmand(
            ["config", "show", "--config", path],
            environment: ["PARTMAND_DATABASE_URL": "postgres://envuser:s3cret@envhost:6432/envdb"])
        #expect(result.status == 0, "\(result)")
        #expect(
            result.stdout.contains(
                "  url: \"postgres://envuser:***@envhost:6432/envdb\"\n  # from PARTMAND_DATABASE_URL"),
            "\(result)")
        #expect(!result.stdout.contains("filehost"), "\(result)")
        #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
    }
}

@Suite("partmand once and plan without a database")
struct UnreachableTests {
    @Test(
        "an unreachable database exits 69 without printing the password",
        arguments: [
            "conninfo: host=127.0.0.1 port=1 connect_timeout=2 user=u password=s3cret dbname=d",
            "url: postgres://u:s3cret@127.0.0.1:1/d?connect_timeout=2",
            "conninfo: host=/nonexistent/partmand-socket-dir port=5432 user=u password=s3cret dbname=d",
        ])
    func once(database: String) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partmand.yaml", configuration(database: database))
        let result = try runPartmand(["once", "--config", path, "--now", "2027-01-15T02:00:00Z"])
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("database unreachable"), "\(result)")
        #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
    }

    @Test(
        "plan and once --dry-run against an unreachable database exit 69",
        arguments: [["plan"], ["once", "--dry-run"]])
    func planUnreachable(command: [String]) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write(
            "partmand.yaml",
            configuration(database: "conninfo: host=127.0.0.1 port=1 connect_timeout=2 password=s3cret"))
        let result = try runPartmand(command + ["--config", path])
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("database unreachable"), "\(result)")
        #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
    }

    @Test("PARTMAND_DATABASE_URL is the connection used by once")
    func databaseURLUsed() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        // The file names a socket directory that does not exist; the environment names port 1 on loopback.
        let path = try scratch.write("partmand.yaml", configuration(database: "conninfo: host=/nonexistent/sockets"))
        let result = try runPartmand(
            ["once", "--config", path],
            environment: ["PARTMAND_DATABASE_URL": "postgres://u:s3cret@127.0.0.1:1/d?connect_timeout=2"])
        #expect(result.status == 69, "\(result)")
        #expect(result.stderr.contains("127.0.0.1"), "\(result)")
        #expect(!result.stderr.contains("/nonexistent/sockets"), "\(result)")
        #expect(!result.stdout.contains("s3cret") && !result.stderr.contains("s3cret"), "\(result)")
    }
}

@Suite("partmand usage errors")
struct UsageTests {
    @Test(
        "--now must be an ISO-8601 instant (exit 64), before the configuration is read",
        arguments: [["once"], ["plan"], ["once", "--dry-run"]])
    func badNow(command: [String]) throws {
        let result = try runPartmand(command + ["--config", "/nonexistent/partmand.yaml", "--now", "yesterday-ish"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("cannot read 'yesterday-ish' as an ISO-8601 instant"), "\(result)")
    }

    @Test("PARTMAND_NOW must be an ISO-8601 instant (exit 64)")
    func badNowEnvironment() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partmand.yaml", configuration())
        let result = try runPartmand(["once", "--config", path], environment: ["PARTMAND_NOW": "garbage"])
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("cannot read 'garbage'"), "\(result)")
    }

    @Test(
        "--table naming a table that is not configured is a usage error (exit 64)",
        arguments: [["once"], ["plan"]])
    func unknownTable(command: [String]) throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partmand.yaml", configuration())
        let result = try runPartmand(command + ["--config", path, "--table", "public.nope"])
        #expect(result.status == 64, "\(result)")
        #expect(
            result.stderr.contains(
                "table 'public.nope' is not in the configuration \(path) (configured: public.webhook_events)"),
            "\(result)")
        // It is refused before any connection attempt.
        #expect(!result.stderr.contains("unreachable"), "\(result)")
    }

    @Test("--table accepts the configured table by its short name")
    func knownTableShortName() throws {
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write("partmand.yaml", configuration())
        let result = try runPartmand(["plan", "--config", path, "--table", "webhook_events"])
        // Accepted: the command goes on to the (unreachable) database.
        #expect(result.status == 69, "\(result)")
    }

    @Test(
        "unknown subcommands, options and values exit 64",
        arguments: [
            ["frobnicate"], ["once", "--bogus"], ["once", "--log-level", "loud"], ["plan", "--log-format", "xml"],
        ])
    func badArguments(arguments: [String]) throws {
        let result = try runPartmand(arguments)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("Error:"), "\(result)")
    }
}

extension String {
    /// The text with every run of white space (help output wraps at 80 columns) turned into one space.
    var words: String { split(whereSeparator: \.isWhitespace).joined(separator: " ") }
}
