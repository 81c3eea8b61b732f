import ArgumentParser
import PartmandCore

/// The `partmand` command tree.
public struct Partmand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "partmand",
        abstract: "Keeps PostgreSQL range-partitioned tables healthy.",
        discussion: """
            partmand creates future partitions ahead of time, retires old ones after a retention period and \
            rescues rows stranded in the default partition, with lock timeouts and retries so applications \
            never stall. See README.md and docs/ for the configuration file.
            """,
        version: "partmand \(PartmandVersion.description)",
        subcommands: [
            OnceCommand.self, PlanCommand.self, RunCommand.self, ScheduleCommand.self, SetupCommand.self,
            ConfigCommand.self, HealthCommand.self, HealthzCommand.self, MigrateCommand.self,
        ])

    public init() {}
}
