import Foundation
import Metrics
import PartmandCore
import PartmandEngine
import Prometheus
import Synchronization

/// The Prometheus registry of `partmand run`: every metric is named `partmand_…`. Counters grow when a
/// pass is recorded; gauges are set from the observed state when `/metrics` is scraped, so that ages
/// ("seconds since …") are those of the scrape. The pass-duration histogram goes through swift-metrics
/// (a `Timer` on a `PrometheusMetricsFactory` over this registry).
public final class PartmandMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let passDuration: Metrics.Timer
    /// The tables whose labelled gauges exist, with them (to unregister those of forgotten tables).
    private let tableGauges = Mutex<[String: [Prometheus.Gauge]]>([:])

    /// `version` and `commit` label `partmand_build_info`.
    public init(version: String = PartmandVersion.number, commit: String? = PartmandVersion.commit) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Name.passDuration] = [
            .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(30),
            .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
        ]
        passDuration = Metrics.Timer(label: Name.passDuration, factory: factory)
        gauge(
            "partmand_build_info", labels: [("version", version), ("commit", commit ?? "unknown")],
            help: "partmand's version and commit; always 1"
        ).set(to: 1)
    }

    private func gauge(_ name: String, labels: [(String, String)], help: String) -> Prometheus.Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    private func counter(_ name: String, labels: [(String, String)], help: String) -> Prometheus.Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    // MARK: - Events

    /// Counts what a pass did: per table, the partitions created and retired, the rows moved out of the
    /// default partition, a failure by SQLSTATE class; the pass's outcome and duration.
    func record(_ report: PassReport, covered: [QualifiedName]) {
        passDuration.recordNanoseconds(Int64(report.duration.milliseconds) * 1_000_000)
        let result = report.unreachable != nil ? "unreachable" : report.succeeded ? "ok" : "failed"
        counter("partmand_passes_total", labels: [("result", result)], help: Help.passes)
            .increment()
        if let unreachable = report.unreachable {
            let failure = TableFailure(unreachable)
            for table in covered { countFailure(table, failure) }
            return
        }
        for table in report.tables {
            let label = ("table", "\(table.table)")
            let created = table.created.count + (table.createdDefault == nil ? 0 : 1)
            let actions = Help.actions
            counter(Name.actions, labels: [label, ("kind", "created")], help: actions)
                .increment(by: Int64(created))
            counter(Name.actions, labels: [label, ("kind", "retired")], help: actions)
                .increment(by: Int64(table.retired.count))
            counter(Name.actions, labels: [label, ("kind", "columnar")], help: actions)
                .increment(by: Int64(table.convertedToColumnar.count))
            counter("partmand_table_rows_moved_total", labels: [label], help: Help.rowsMoved)
                .increment(by: Int64(table.rowsMoved))
            counter("partmand_table_lock_retries_total", labels: [label], help: Help.retries)
                .increment(by: Int64(table.lockRetries))
            if table.status == .failed {
                countFailure(
                    table.table,
                    table.errors.first.map(TableFailure.init) ?? TableFailure(sqlstate: nil, message: ""))
            }
        }
    }

    private func countFailure(_ table: QualifiedName, _ failure: TableFailure) {
        counter(
            "partmand_table_failures_total",
            labels: [("table", "\(table)"), ("sqlstate_class", failure.sqlstateClass)],
            help: Help.failures
        ).increment()
    }

    // MARK: - Scrape

    /// The text exposition, with the gauges set from `state` at `now`; `heartbeatAge` is the scheduler's.
    func exposition(_ state: ObservedState, heartbeat: HealthVerdict.Scheduler, now: Date) -> [UInt8] {
        func set(_ name: String, _ help: String, _ value: Double?) {
            gauge(name, labels: [], help: help).set(to: value ?? 0)
        }
        set(
            "partmand_start_time_seconds", "When partmand run started (Unix time)",
            state.startedAt.timeIntervalSince1970)
        set(
            "partmand_last_pass_start_timestamp_seconds", "When the last pass started (Unix time; 0: none yet)",
            state.lastPassStart?.timeIntervalSince1970)
        set(
            "partmand_last_pass_end_timestamp_seconds", "When the last pass ended (Unix time; 0: none yet)",
            state.lastPassEnd?.timeIntervalSince1970)
        set(
            "partmand_last_pass_success_timestamp_seconds",
            "When the last pass in which every table succeeded ended (Unix time; 0: none yet)",
            state.lastPassSuccess?.timeIntervalSince1970)
        set(
            "partmand_last_pass_duration_seconds", "How long the last pass took",
            state.lastPassDuration.map { Double($0.milliseconds) / 1000 })
        set("partmand_pass_running", "1 while a pass runs", state.passRunningSince == nil ? 0 : 1)
        set(
            "partmand_scheduler_next_run_timestamp_seconds", "The next scheduled pass (Unix time)",
            state.nextRun?.timeIntervalSince1970)
        set(
            "partmand_scheduler_next_retry_timestamp_seconds", "The next retry of a failed table (Unix time; 0: none)",
            state.nextRetry?.timeIntervalSince1970)
        set(
            "partmand_scheduler_heartbeat_age_seconds", "Seconds since the scheduler's last heartbeat",
            heartbeat.heartbeatAgeSeconds)
        set("partmand_scheduler_up", "1 while the scheduler's heartbeat is fresh", heartbeat.alive ? 1 : 0)

        var current: [String: [Prometheus.Gauge]] = [:]
        for (name, table) in state.tables {
            let label = [("table", "\(name)")]
            var gauges: [Prometheus.Gauge] = []
            func tableGauge(_ metric: String, _ help: String, _ value: Double) {
                let series = gauge(metric, labels: label, help: help)
                series.set(to: value)
                gauges.append(series)
            }
            tableGauge(
                "partmand_table_last_attempt_ok", "1 when the table's last attempt (pass or retry) succeeded",
                table.failure == nil ? 1 : 0)
            tableGauge(
                "partmand_table_last_attempt_timestamp_seconds", "When the table's last attempt ended (Unix time)",
                table.lastAttempt.timeIntervalSince1970)
            tableGauge(
                "partmand_table_seconds_since_success",
                "Seconds since the table was last maintained successfully (since partmand started, before any)",
                now.timeIntervalSince(table.lastSuccess ?? state.startedAt))
            if let lastSuccess = table.lastSuccess {
                tableGauge(
                    "partmand_table_last_success_timestamp_seconds",
                    "When the table was last maintained successfully (Unix time)", lastSuccess.timeIntervalSince1970)
            }
            if let figures = table.figures {
                if let ahead = figures.partitionsAhead {
                    tableGauge(
                        "partmand_table_partitions_ahead", "Partitions lying ahead of now after the last attempt",
                        Double(ahead))
                }
                tableGauge(
                    "partmand_table_premake_missing", "Partitions ahead that premake asks for and that are missing",
                    Double(figures.premakeMissing))
                tableGauge(
                    "partmand_table_default_rows", "Rows in the default partition after the last attempt",
                    Double(figures.defaultRows))
                tableGauge(
                    "partmand_table_retention_overdue", "Partitions past retention still there after the last attempt",
                    Double(figures.retentionOverdue))
            }
            current["\(name)"] = gauges
        }
        tableGauges.withLock { known in
            for (table, gauges) in known where current[table] == nil {
                for gauge in gauges { registry.unregisterGauge(gauge) }
            }
            known = current
        }
        return registry.emitToBuffer()
    }

    private enum Name {
        static let passDuration = "partmand_pass_duration_seconds"
        static let actions = "partmand_table_actions_total"
    }

    private enum Help {
        static let passes = "Passes (scheduled, retries, SIGUSR1) by result: ok, failed (some table), unreachable"
        static let actions =
            "Partitions created (kind=created, the default one included), retired (kind=retired) and converted to"
            + " columnar (kind=columnar)"
        static let rowsMoved = "Rows moved from the default partition into partitions partmand created"
        static let failures =
            "Failed attempts (pass or retry) by the SQLSTATE class of the first error (none: no SQLSTATE)"
        static let retries = "Statements retried after a lock timeout (55P03) or a deadlock (40P01)"
    }
}
