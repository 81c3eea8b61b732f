import Foundation
import Testing

@testable import PartmandEngine

@Suite struct JSONStringArrayTests {
    @Test func readsArraysOfStrings() {
        #expect(JSONStringArray.parse("[]") == [])
        #expect(JSONStringArray.parse(#"["id","received_at"]"#) == ["id", "received_at"])
        #expect(JSONStringArray.parse(#" [ "a" , "b" ] "#) == ["a", "b"])
        #expect(JSONStringArray.parse(#"["a",]"#) == ["a"])
        #expect(JSONStringArray.parse(#"["","é✓"]"#) == ["", "é✓"])
        #expect(JSONStringArray.parse(#"["we\"ird\\ \/ \b\f\n\r\t"]"#) == ["we\"ird\\ / \u{08}\u{0C}\n\r\t"])
        #expect(JSONStringArray.parse(#"["\u0041\u00e9\u0000\ud83d\ude00"]"#) == ["Aé\u{0}😀"])
    }

    @Test func refusesEverythingElse() {
        for text in [
            "", "null", "[", "]", "[1]", "[,]", #"["a",,]"#, #"["a" "b"]"#, #"["a"] x"#, #"{"a":1}"#, #"["a"#,
            #"["\x"]"#, #"["\u12"]"#, #"["\ud83d"]"#, #"["\ud83d \ude00"]"#, #"["\ude00"]"#, "[\"a\nb\"]",
        ] {
            #expect(JSONStringArray.parse(text) == nil, "\(text)")
        }
    }

    /// The same answers as Foundation's decoder, which the catalog read used before.
    @Test func agreesWithJSONDecoder() {
        for text in [
            "[]", #"["id","received_at"]"#, #" [ "a" , "b" ] "#, #"["\u0041\ud83d\ude00\n"]"#, #"["a",]"#, "null",
            #"["\ud83d"]"#, "[1]", #"["a"] x"#, "[,]", #"["a",,]"#,
        ] {
            let decoded = try? JSONDecoder().decode([String].self, from: Data(text.utf8))
            #expect(JSONStringArray.parse(text) == decoded, "\(text)")
        }
    }
}
