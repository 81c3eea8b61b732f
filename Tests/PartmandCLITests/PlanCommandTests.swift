import Foundation
import PartmandPostgres
import PartmandTestSupport
import Testing

@Suite("partmand plan")
struct PlanCommandTests {
    @Test("on a standby, plan says so first (text) and sets standby (JSON)")
    func standby() throws {
        let cluster = try PrivateCluster()
        defer { cluster.stop() }
        let connection = try TestServer.connect(cluster.conninfo)
        try connection.execute(
            "CREATE TABLE public.webhook_events (id bigint GENERATED ALWAYS AS IDENTITY,"
                + " received_at timestamptz NOT NULL, payload text) PARTITION BY RANGE (received_at)",
            purpose: "test setup")
        connection.close()
        try cluster.becomeStandby()

        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        let path = try scratch.write(
            "partmand.yaml",
            """
            database:
              conninfo: "\(cluster.conninfo)"
            tables:
              - table: public.webhook_events
                column: received_at
                interval: monthly

            """)
        let text = try runPartmand(["plan", "--config", path, "--now", "2026-11-26T10:00:00Z"])
        #expect(text.status == 0, "\(text)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(
            lines.first
                == "server is a standby (in recovery): a pass here would do nothing; run partmand against the"
                + " primary (the plan below is read from this standby's copy of the catalog)", "\(text)")
        #expect(lines.dropFirst().first == "public.webhook_events: 6 action(s)", "\(text)")

        let json = try runPartmand(["plan", "--config", path, "--now", "2026-11-26T10:00:00Z", "--json"])
        #expect(json.status == 0, "\(json)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        #expect(object["standby"] as? Bool == true)
        #expect((object["tables"] as? [[String: Any]])?.map { $0["status"] as? String } == ["ok"])
    }

    @Test(
        "on a Citus coordinator plan shows the distribution; on a worker plan and once say to use the coordinator",
        .enabled(if: CitusServer.conninfo != nil, CitusServer.skipReason))
    func citus() throws {
        let coordinator: String = try #require(CitusServer.conninfo)
        let worker: String = try #require(CitusServer.workerConninfo)
        let schema = try TestSchema("cli_citus", conninfo: coordinator)
        defer { schema.drop() }
        let table = schema.qualified("events")
        try schema.run(
            "CREATE TABLE \(table) (id bigint GENERATED ALWAYS AS IDENTITY, source text NOT NULL,"
                + " received_at timestamptz NOT NULL) PARTITION BY RANGE (received_at)")
        try schema.run("SELECT create_distributed_table($1, 'source')", [.text(table)])
        let scratch = try ScratchDirectory()
        defer { scratch.remove() }
        func config(_ file: String, _ conninfo: String) throws -> String {
            try scratch.write(
                file,
                """
                database:
                  conninfo: "\(conninfo)"
                tables:
                  - table: \(schema.name).events
                    column: received_at
                    interval: monthly

                """)
        }
        let onCoordinator = try config("coordinator.yaml", coordinator)
        let text = try runPartmand(["plan", "--config", onCoordinator, "--now", "2026-11-26T10:00:00Z"])
        #expect(text.status == 0, "\(text)")
        let group = try #require(
            try schema.run(
                "SELECT colocationid::text AS c FROM pg_dist_partition WHERE logicalrelid = to_regclass($1)",
                [.text(table)]
            ).rows.first?["c"])
        #expect(
            text.stdout.split(separator: "\n").dropFirst().first
                == "  citus: distributed on source, 32 shards, colocation group \(group)", "\(text)")
        let json = try runPartmand(["plan", "--config", onCoordinator, "--now", "2026-11-26T10:00:00Z", "--json"])
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json)")
        #expect(object["citus_worker"] as? Bool == false)
        let distribution = try #require(
            (object["tables"] as? [[String: Any]])?.first?["distribution"] as? [String: Any])
        #expect(distribution["kind"] as? String == "distributed")
        #expect(distribution["column"] as? String == "source")
        #expect(distribution["shard_count"] as? Int == 32)
        #expect(distribution["colocation_id"] as? Int == Int(group))

        let onWorker = try config("worker.yaml", worker)
        let once = try runPartmand(["once", "--config", onWorker])
        #expect(once.status == 0, "\(once)")
        #expect(
            once.stdout.hasPrefix(
                "server is a Citus worker node: partmand does nothing here; run it against the coordinator\n"
                    + "\(schema.name).events: skipped: server is a Citus worker node"), "\(once)")
        let workerPlan = try runPartmand(["plan", "--config", onWorker, "--json"])
        let workerObject = try #require(
            try JSONSerialization.jsonObject(with: Data(workerPlan.stdout.utf8)) as? [String: Any], "\(workerPlan)")
        #expect(workerObject["citus_worker"] as? Bool == true)
        // Nothing was made: the coordinator's table still has no partition.
        #expect(
            try schema.run(
                "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = to_regclass($1)", [.text(table)]
            ).rows[0]["n"] == "0")
    }
}
