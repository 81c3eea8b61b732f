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
}
