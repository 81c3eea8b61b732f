import Foundation

/// Samples of a Prometheus text exposition, parsed by the reference parser: `prometheus_client`'s
/// `text_string_to_metric_families` (PyPI), in the virtualenv `scripts/install-deps` makes
/// (`.build-tools/metrics-venv`; `PARTMAND_TEST_PYTHON` names another interpreter). A text that
/// parser refuses is an error.
public struct PrometheusSamples: Sendable {
    /// One sample: the name (with `_total`, `_bucket`, … as exposed), its labels and value.
    public struct Sample: Sendable, Decodable {
        public let name: String
        public let labels: [String: String]
        public let value: Double
    }

    public let samples: [Sample]

    private static let script = """
        import json, sys
        from prometheus_client.parser import text_string_to_metric_families
        text = open(sys.argv[1]).read()
        out = []
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                out.append({"name": s.name, "labels": s.labels, "value": s.value})
        print(json.dumps(out))
        """

    /// Parses `text`; throws when the parser refuses it or cannot be run.
    public init(parsing text: String) throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ChildProcess.run(Self.python(), ["-c", Self.script, file.path])
        guard result.status == 0 else {
            throw RawHTTPError("prometheus_client refused the exposition (\(result.status)): \(result.errors)")
        }
        samples = try JSONDecoder().decode([Sample].self, from: Data(result.output.utf8))
    }

    /// The value of the sample `name` whose labels include `labels`; nil when there is none.
    public func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { sample in
            sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value }
        }?.value
    }

    /// The interpreter with prometheus_client.
    static func python() throws -> String {
        if let explicit = ProcessInfo.processInfo.environment["PARTMAND_TEST_PYTHON"], !explicit.isEmpty {
            return explicit
        }
        // Tests/PartmandTestSupport/PrometheusText.swift → the package root.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let venv = root.appendingPathComponent(".build-tools/metrics-venv/bin/python3").path
        guard FileManager.default.isExecutableFile(atPath: venv) else {
            throw RawHTTPError("\(venv) is missing: run scripts/install-deps (it installs prometheus_client)")
        }
        return venv
    }
}
