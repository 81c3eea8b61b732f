import ArgumentParser
import Logging
import PartmandCore
import PartmandDaemon

#if canImport(Glibc)
    import Glibc
#endif

/// `partmand run`: the long-running service.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run maintenance passes on the configured schedule until stopped (the systemd service).",
        discussion: """
            Runs a pass at start (schedule.run_on_start) and then at every schedule.at time in \
            schedule.timezone, or every schedule.every. Failed tables are retried on their own after \
            schedule.retry_after, doubling each time.

            Signals: SIGTERM/SIGINT stop gracefully (the running statement is cancelled and rolled back); \
            SIGHUP reloads the configuration (an invalid one is rejected and the old one kept); SIGUSR1 runs \
            a pass now. PARTMAND_NOW is ignored (with a warning): the service always uses the real clock. \
            Under systemd (Type=notify) it reports READY, STATUS, RELOADING, STOPPING and pings \
            the watchdog while its scheduler is alive. Exit status: 0 after a clean stop, 78 bad configuration.
            """)

    @OptionGroup var common: CommonOptions

    func run() throws {
        // Before the first log line: a log reader that goes away (a closed pipe on stderr) must not end the
        // service; writes then fail with EPIPE and the line is dropped. systemd ignores SIGPIPE for
        // services already (IgnoreSIGPIPE=yes); a container runtime or a shell pipeline does not.
        signal(SIGPIPE, SIG_IGN)
        let config = try common.start()
        Logger(label: "partmand").info("partmand starting", metadata: ["version": "\(PartmandVersion.description)"])
        if let given = common.environment["PARTMAND_NOW"] {
            // The service always works on the real clock: a stray export must not move its passes.
            Logger(label: "partmand").warning(
                "PARTMAND_NOW is ignored by partmand run; passes use the real clock",
                metadata: ["PARTMAND_NOW": "\(given)"])
        }
        let daemon = Daemon(
            config: config,
            options: Daemon.Options(
                configPath: common.configPath, environment: common.environment,
                logLevelFixed: common.logLevel != nil),
            logger: Logger(label: "partmand"))
        daemon.run()
    }
}
