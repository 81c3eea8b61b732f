import ArgumentParser

extension ExitCode {
    /// Some table failed (EXIT_FAILURE).
    static let tableFailed = ExitCode(1)
    /// The database could not be reached (EX_UNAVAILABLE).
    static let unavailable = ExitCode(69)
    /// The configuration is invalid (EX_CONFIG).
    static let badConfig = ExitCode(78)
}
