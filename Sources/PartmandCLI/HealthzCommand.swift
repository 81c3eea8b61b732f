import ArgumentParser
import Foundation
import PartmandConfig
import PartmandObservability

/// `partmand healthz`: asks a running `partmand run` for its `/healthz` verdict, without a database
/// password: for the container's HEALTHCHECK and monitoring plugins.
struct HealthzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "healthz",
        abstract: "Ask the running service for its /healthz verdict (exit 0 ok, 2 failing, 3 no answer).",
        discussion: """
            Reads GET /healthz of `partmand run` at --listen, else at metrics.listen of the configuration, \
            and prints its JSON answer. Exit status (Nagios plugin convention): 0 every table's last attempt \
            succeeded and the scheduler is alive (200); 2 some table failed or the scheduler is stalled \
            (503); 3 no answer (not listening, timeout). Without --listen and without metrics.listen there \
            is nothing to ask: it says so and exits 0. Needs no database access.
            """)

    @Option(name: .long, help: "The config file (default: $PARTMAND_CONFIG, else /etc/partmand/partmand.yaml).")
    var config: String?

    @Option(name: .long, help: "Where partmand run listens: HOST:PORT, [IPv6]:PORT or a Unix socket path.")
    var listen: String?

    @Option(name: .long, help: "Seconds to wait for an answer.")
    var timeout = 5

    @Flag(name: .long, help: "Print nothing; only the exit status tells.")
    var quiet = false

    func run() throws {
        let address: ListenAddress
        if let listen {
            switch ListenAddress.parse(listen) {
            case .success(let parsed): address = parsed
            case .failure(let error): throw ValidationError("--listen: \(error.reason)")
            }
        } else {
            let environment = ProcessInfo.processInfo.environment
            let path = ConfigLoader.path(explicit: config, environment: environment)
            let configuration: PartmandConfiguration
            do {
                configuration = try ConfigLoader.load(path: path, environment: environment)
            } catch {
                printError("configuration error: \(error)")
                throw ExitCode(3)
            }
            guard let configured = configuration.metrics.listen else {
                if !quiet { print("metrics.listen is not set in \(path): no /healthz to ask") }
                return
            }
            address = configured
        }
        do {
            let answer = try HealthProbe.get(from: address, timeout: .seconds(Int64(max(1, timeout))))
            if !quiet { print(answer.body.trimmingCharacters(in: .whitespacesAndNewlines)) }
            switch answer.status {
            case 200: return
            case 503: throw ExitCode(2)
            default:
                if !quiet { printError("unexpected HTTP status \(answer.status) from \(address)/healthz") }
                throw ExitCode(3)
            }
        } catch let failure as HealthProbe.Failure {
            if !quiet { printError("UNKNOWN: \(failure)") }
            throw ExitCode(3)
        }
    }
}
