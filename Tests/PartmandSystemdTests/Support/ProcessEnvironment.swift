#if canImport(Glibc)
    import Glibc
#endif

/// Temporarily sets or removes process environment variables.
///
/// ServiceNotifier reads NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID with getenv at call time, so tests
/// that set them must be serialized; no code outside those suites reads these variables.
enum ProcessEnvironment {
    /// Runs `body` with `values` applied (`nil` removes a variable), then restores the previous values.
    static func with<T>(_ values: [String: String?], _ body: () throws -> T) rethrows -> T {
        var previous: [String: String?] = [:]
        for (name, value) in values {
            previous[name] = getenv(name).map { String(cString: $0) }
            apply(name, value)
        }
        defer { for (name, value) in previous { apply(name, value) } }
        return try body()
    }

    private static func apply(_ name: String, _ value: String?) {
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
}
