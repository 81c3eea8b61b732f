import Logging
import Testing

@testable import PartmandSystemd

@Suite("JournalFieldName")
struct JournalFieldNameTests {
    @Test(
        "metadata keys become valid PARTMAND_ fields",
        arguments: [
            ("table", "PARTMAND_TABLE"),
            ("run_id", "PARTMAND_RUN_ID"),
            ("duration_ms", "PARTMAND_DURATION_MS"),
            ("sqlstate", "PARTMAND_SQLSTATE"),
            ("http.status-code", "PARTMAND_HTTP_STATUS_CODE"),
            ("1st", "PARTMAND_1ST"),
            ("_private", "PARTMAND__PRIVATE"),
            ("__", "PARTMAND___"),
            ("message", "PARTMAND_MESSAGE"),
            ("Ünïcode key", "PARTMAND__N_CODE_KEY"),
            ("a=b\nc", "PARTMAND_A_B_C"),
            ("", "PARTMAND_"),
        ]
    )
    func sanitised(key: String, field: String) {
        let name = JournalFieldName.forMetadataKey(key)
        #expect(name == field)
        #expect(JournalWireFormat.isValidClientFieldName(name))
    }

    @Test("long keys are cut to journald's 64-character limit")
    func long() {
        let name = JournalFieldName.forMetadataKey(String(repeating: "k", count: 100))
        #expect(name == "PARTMAND_" + String(repeating: "K", count: 55))
        #expect(name.count == 64)
        #expect(JournalWireFormat.isValidClientFieldName(name))
    }

    @Test("levels map to syslog priorities")
    func priorities() {
        let expected: [(Logger.Level, Int)] = [
            (.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
        ]
        for (level, priority) in expected { #expect(level.syslogPriority == priority) }
    }
}
