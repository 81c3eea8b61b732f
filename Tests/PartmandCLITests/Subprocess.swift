import Foundation
import Testing

/// What a finished `partmand` process left behind.
struct RunResult: CustomStringConvertible {
    let status: Int32
    let stdout: String
    let stderr: String

    var description: String { "exit \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
}

/// Errors of the subprocess helpers.
struct SubprocessError: Error, CustomStringConvertible {
    let description: String
}

/// The `partmand` executable SwiftPM built next to the test bundle.
///
/// On Linux the test runner is `<products>/partmandPackageTests.xctest`, so `CommandLine.arguments[0]`
/// names the products directory; on macOS the bundle sits in it. `PARTMAND_BINARY` overrides both.
func partmandExecutable() throws -> URL {
    let fileManager = FileManager.default
    if let explicit = ProcessInfo.processInfo.environment["PARTMAND_BINARY"], !explicit.isEmpty {
        guard fileManager.isExecutableFile(atPath: explicit) else {
            throw SubprocessError(description: "PARTMAND_BINARY=\(explicit) is not an executable file")
        }
        return URL(fileURLWithPath: explicit)
    }
    var searched: [String] = []
    let starts = [
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent(), Bundle.main.bundleURL,
    ]
    for start in starts {
        var directory = start.standardizedFileURL
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("partmand")
            searched.append(directory.path)
            var isDirectory: ObjCBool = false
            if fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
                fileManager.isExecutableFile(atPath: candidate.path)
            {
                return candidate
            }
            directory.deleteLastPathComponent()
        }
    }
    throw SubprocessError(
        description: "the partmand executable was not found next to the test bundle (searched: "
            + searched.joined(separator: ", ")
            + "). Build it first with `swift build --build-tests`, or set PARTMAND_BINARY.")
}

/// Runs `partmand` with `arguments` and waits for it, up to `timeout`.
///
/// The child gets a minimal environment (PATH, HOME, LANG) plus `environment`, so the caller's
/// `PARTMAND_*` and `PG*` variables cannot change the outcome.
func runPartmand(
    _ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60
) throws -> RunResult {
    let process = Process()
    process.executableURL = try partmandExecutable()
    process.arguments = arguments
    var childEnvironment = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG"].contains($0.key) }
    childEnvironment.merge(environment) { $1 }
    process.environment = childEnvironment

    // Files rather than pipes: nothing blocks however much the child writes.
    let scratch = try ScratchDirectory()
    defer { scratch.remove() }
    let outURL = URL(fileURLWithPath: try scratch.write("stdout", ""))
    let errURL = URL(fileURLWithPath: try scratch.write("stderr", ""))
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
        try? out.close()
        try? err.close()
    }
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice

    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
    if process.isRunning {
        process.terminate()
        process.waitUntilExit()
        throw SubprocessError(
            description: "partmand \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
    }
    process.waitUntilExit()
    return RunResult(
        status: process.terminationStatus,
        stdout: try String(contentsOf: outURL, encoding: .utf8),
        stderr: try String(contentsOf: errURL, encoding: .utf8))
}

/// A temporary directory for configuration files; call `remove()` when done (in a `defer`).
struct ScratchDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("partmand-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(at: url) }

    /// Writes `text` to `name` in the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let path = url.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func path(_ name: String) -> String { url.appendingPathComponent(name).path }
}
