#if canImport(Glibc)
    import Glibc
#endif

/// CLOCK_MONOTONIC as systemd reads it, for `MONOTONIC_USEC=`.
enum MonotonicClock {
    /// Microseconds since boot on CLOCK_MONOTONIC (the clock systemd compares reload stamps with).
    static func nowMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
