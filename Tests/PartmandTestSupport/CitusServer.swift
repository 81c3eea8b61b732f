import Foundation
import Testing

/// Where the Citus tests find a Citus cluster: `PARTMAND_TEST_CITUS_CONNINFO` (the coordinator) and
/// `PARTMAND_TEST_CITUS_WORKER_CONNINFO` (one of its workers), which `scripts/test` sets when Citus is
/// installed (`../shared/tools/install-citus`).
public enum CitusServer {
    /// The coordinator's conninfo; nil when no cluster runs for the tests.
    public static var conninfo: String? { ProcessInfo.processInfo.environment["PARTMAND_TEST_CITUS_CONNINFO"] }

    /// A worker's conninfo; nil when no cluster runs for the tests.
    public static var workerConninfo: String? {
        ProcessInfo.processInfo.environment["PARTMAND_TEST_CITUS_WORKER_CONNINFO"]
    }

    /// Why the Citus tests are skipped, when they are.
    public static let skipReason: Comment =
        "needs a Citus cluster (PARTMAND_TEST_CITUS_CONNINFO): scripts/test starts one when Citus is installed"
}
