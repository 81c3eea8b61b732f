import PartmandTestSupport
import Testing

@testable import PartmandSystemd

#if canImport(Glibc)
    import Glibc
#endif

/// Drives the real notifier against a datagram socket bound by the test and named in NOTIFY_SOCKET.
///
/// The notifier reads NOTIFY_SOCKET / WATCHDOG_* with getenv at call time, so these tests set them in
/// the test process; the suite is serialized and no other suite reads those variables. Datagrams are
/// matched by the sender's pid (SO_PASSCRED), so a stray sender could not confuse the checks.
@Suite("ServiceNotifier", .serialized)
struct ServiceNotifierTests {
    @Test("each call sends exactly its assignments, in one datagram")
    func payloads() throws {
        let socket = try DatagramSocket.temporary(passCredentials: true)
        defer { socket.close() }
        try ProcessEnvironment.with(["NOTIFY_SOCKET": socket.path]) { () throws in
            let notifier = ServiceNotifier()
            #expect(notifier.isEnabled)

            notifier.ready(status: "Maintaining 1 table; next run 02:00")
            #expect(try message(socket) == "READY=1\nSTATUS=Maintaining 1 table; next run 02:00")
            notifier.ready()
            #expect(try message(socket) == "READY=1")
            notifier.status("Running maintenance")
            #expect(try message(socket) == "STATUS=Running maintenance")
            notifier.status("two\nlines\r\n")
            #expect(try message(socket) == "STATUS=two lines  ")
            notifier.stopping(status: "Waiting for the current pass")
            #expect(try message(socket) == "STOPPING=1\nSTATUS=Waiting for the current pass")
            notifier.stopping()
            #expect(try message(socket) == "STOPPING=1")
            notifier.watchdogPing()
            #expect(try message(socket) == "WATCHDOG=1")
            notifier.extendTimeout(by: .seconds(90))
            #expect(try message(socket) == "EXTEND_TIMEOUT_USEC=90000000")
            notifier.extendTimeout(by: .milliseconds(1500))
            #expect(try message(socket) == "EXTEND_TIMEOUT_USEC=1500000")
            notifier.extendTimeout(by: .nanoseconds(1))
            #expect(try message(socket) == "EXTEND_TIMEOUT_USEC=1")
        }
    }

    @Test("an abstract-namespace NOTIFY_SOCKET (@name) is reached")
    func abstractSocket() throws {
        let socket = try DatagramSocket.temporaryAbstract(passCredentials: true)
        defer { socket.close() }
        try ProcessEnvironment.with(["NOTIFY_SOCKET": socket.path]) { () throws in
            ServiceNotifier().ready(status: "abstract")
            #expect(try message(socket) == "READY=1\nSTATUS=abstract")
        }
    }

    @Test("a relative NOTIFY_SOCKET is refused, as libsystemd refuses it, though a socket is there")
    func relativeSocket() throws {
        let directory = try #require(
            getcwd(nil, 0).map { pointer in
                defer { free(pointer) }
                return String(cString: pointer)
            })
        let name = "partmand-notify-\(getpid()).sock"
        let socket = try DatagramSocket(bindingTo: "\(directory)/\(name)", passCredentials: true)
        defer { socket.close() }
        ProcessEnvironment.with(["NOTIFY_SOCKET": name]) {
            ServiceNotifier().ready(status: "relative")
        }
        #expect(try socket.receive(timeout: .milliseconds(200)) == nil)
        // The same socket named by its absolute path is reached: the refusal above is the form's.
        try ProcessEnvironment.with(["NOTIFY_SOCKET": socket.path]) { () throws in
            ServiceNotifier().ready(status: "absolute")
            #expect(try message(socket) == "READY=1\nSTATUS=absolute")
        }
    }

    @Test("reloading sends RELOADING=1 with the current CLOCK_MONOTONIC in one datagram")
    func reloading() throws {
        let socket = try DatagramSocket.temporary(passCredentials: true)
        defer { socket.close() }
        try ProcessEnvironment.with(["NOTIFY_SOCKET": socket.path]) { () throws in
            let notifier = ServiceNotifier()
            for status in [nil, "Reloading configuration"] as [String?] {
                let before = monotonicMicroseconds()
                notifier.reloading(status: status)
                let after = monotonicMicroseconds()
                let lines = try #require(try message(socket)).split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.count == (status == nil ? 2 : 3))
                #expect(lines.first == "RELOADING=1")
                let stamp = try #require(lines.dropFirst().first)
                #expect(stamp.hasPrefix("MONOTONIC_USEC="))
                let usec = try #require(UInt64(stamp.dropFirst("MONOTONIC_USEC=".count)))
                #expect((before...after).contains(usec))
                if let status { #expect(lines.last.map(String.init) == "STATUS=\(status)") }
            }
        }
    }

    @Test("without NOTIFY_SOCKET (unset or empty) every call is a quiet no-op")
    func disabled() throws {
        let socket = try DatagramSocket.temporary(passCredentials: true)
        defer { socket.close() }
        for value in [nil, ""] as [String?] {
            ProcessEnvironment.with(["NOTIFY_SOCKET": value]) {
                let notifier = ServiceNotifier()
                #expect(!notifier.isEnabled)
                notifier.ready(status: "x")
                notifier.status("x")
                notifier.reloading(status: "x")
                notifier.stopping(status: "x")
                notifier.watchdogPing()
                notifier.extendTimeout(by: .seconds(1))
            }
        }
        #expect(try socket.receive(timeout: .milliseconds(200)) == nil)
    }

    @Test("watchdogTimeout follows WATCHDOG_USEC and WATCHDOG_PID")
    func watchdogTimeout() {
        let ownPID = "\(getpid())"
        ProcessEnvironment.with(["WATCHDOG_USEC": "4000000", "WATCHDOG_PID": ownPID]) {
            #expect(ServiceNotifier.watchdogTimeout() == .seconds(4))
        }
        ProcessEnvironment.with(["WATCHDOG_USEC": "4000000", "WATCHDOG_PID": nil]) {
            #expect(ServiceNotifier.watchdogTimeout() == .seconds(4))
        }
        ProcessEnvironment.with(["WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "\(getpid() + 1)"]) {
            #expect(ServiceNotifier.watchdogTimeout() == nil)
        }
        ProcessEnvironment.with(["WATCHDOG_USEC": nil, "WATCHDOG_PID": nil]) {
            #expect(ServiceNotifier.watchdogTimeout() == nil)
        }
        for usec in ["soon", "0", "", "-4000000", "+4000000", " 4000000", "99999999999999999999999"] {
            ProcessEnvironment.with(["WATCHDOG_USEC": usec, "WATCHDOG_PID": ownPID]) {
                #expect(ServiceNotifier.watchdogTimeout() == nil, "WATCHDOG_USEC=\(usec)")
            }
        }
        for pid in ["", "self", "\(ownPID)x", "-\(ownPID)"] {
            ProcessEnvironment.with(["WATCHDOG_USEC": "4000000", "WATCHDOG_PID": pid]) {
                #expect(ServiceNotifier.watchdogTimeout() == nil, "WATCHDOG_PID=\(pid)")
            }
        }
    }

    private func message(_ socket: DatagramSocket) throws -> String? {
        try socket.receiveFromThisProcess(timeout: .seconds(5)).map { String(decoding: $0, as: UTF8.self) }
    }

    private func monotonicMicroseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
    }
}
