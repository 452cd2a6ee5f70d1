import Foundation
import GRDB
import Testing
@testable import FeedbackStore

/// Imports replace identifiers before storing text, unless told the data is already
/// de-identified; the `imports` table records which.
@Suite struct ImportScrubTests {
    func write(_ lines: [String], _ name: String) throws -> URL {
        let url = try temporaryFolder().appendingPathComponent(name)
        try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test(arguments: StoreKind.allCases)
    func promptsAreScrubbedByDefaultAndTheImportIsRecorded(_ kind: StoreKind) throws {
        // Given prompts naming a patient and a phone number
        let store = try makeStore(kind)
        let url = try write([
            #"{"prompt": "患者 山田太郎（090-1234-5678）の血圧150/90 mmHg、降圧薬は？"}"#,
            #"{"prompt": [{"role": "system", "content": "Dr Smith's clinic"}, {"role": "user", "content": "Mr Jones, MRN 1234567, HbA1c 7.2%: next step?"}]}"#,
            #"{"prompt": "68歳男性、3日前から発熱"}"#,
        ], "prompts.jsonl")

        // When they are imported
        let summary = try store.importPrompts(from: url)

        // Then the stored text has placeholders and the clinical content, and one import row says so
        #expect(summary == ImportSummary(added: 3, duplicates: 0, identifiersReplaced: 5))
        let prompts = try store.reader.read { db in try Prompt.order(Prompt.Columns.id).fetchAll(db) }
        #expect(prompts.map(\.text) == [
            "患者 〔氏名〕（[PHONE]）の血圧150/90 mmHg、降圧薬は？", "Mr [NAME], MRN [ID], HbA1c 7.2%: next step?", "68歳男性、3日前から発熱",
        ])
        #expect(prompts[1].messages[0].content == "Dr [NAME]'s clinic")
        let imports = try store.imports()
        #expect(imports.count == 1)
        #expect(imports[0].kind == .prompts && imports[0].scrubbed && imports[0].identifiersReplaced == 5 && imports[0].added == 3)
        let linked = try store.reader.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM prompts WHERE import_id = ?", arguments: [imports[0].id]) }
        #expect(linked == 3)
        // And importing the same file again finds the scrubbed prompts already there
        #expect(try store.importPrompts(from: url).duplicates == 3)
    }

    @Test func noScrubStoresTextAsItIsAndSaysSo() throws {
        let store = try makeStore(.inMemory)
        let url = try write([#"{"prompt": "患者 山田太郎の経過"}"#], "deidentified.jsonl")
        let summary = try store.importPrompts(from: url, scrubber: nil)
        #expect(summary.identifiersReplaced == nil && summary.description.contains("not scrubbed"))
        #expect(try store.reader.read { db in try String.fetchOne(db, sql: "SELECT text FROM prompts") } == "患者 山田太郎の経過")
        let record = try #require(try store.imports().first)
        #expect(!record.scrubbed && record.identifiersReplaced == 0 && record.source == "deidentified.jsonl")
    }

    @Test func samplesAreScrubbedInPromptAndAnswer() throws {
        let store = try makeStore(.inMemory)
        let url = try write([
            #"{"prompt": "田中さんの頭痛", "policy": "v1", "completion": "田中さんは 03-1234-5678 へ連絡を。アセトアミノフェン500 mg"}"#,
        ], "samples.jsonl")
        let summary = try store.importSamples(from: url)
        #expect(summary.identifiersReplaced == 3)
        let texts = try store.reader.read { db in try String.fetchAll(db, sql: "SELECT text FROM samples UNION ALL SELECT text FROM prompts") }
        #expect(texts == ["〔氏名〕さんは [PHONE] へ連絡を。アセトアミノフェン500 mg", "〔氏名〕さんの頭痛"])
        let record = try #require(try store.imports().first)
        #expect(record.kind == .samples && record.scrubbed)
        let unlinked = try store.reader.read { db in
            try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM samples WHERE import_id IS NULL) + (SELECT count(*) FROM prompts WHERE import_id IS NULL)")
        }
        #expect(unlinked == 0)
    }

    @Test func aDatabaseFromBeforeImportsWereRecordedMigrates() throws {
        // Given a database at migration v2 with a prompt in it
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue, upTo: "v2-claims-and-counts")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO prompts (content_hash, messages, text, split, created_at)
                VALUES ('h', '[{"role":"user","content":"x"}]', 'x', 'train', '2026-01-01 00:00:00')
                """)
        }
        // When the rest of the migrations run
        try Schema.migrator.migrate(queue)
        // Then the old prompt has no import, and imports can be recorded
        let (hasImports, unlinked, samplesLinkable) = try queue.read { db in
            (try db.tableExists("imports"), try Int.fetchOne(db, sql: "SELECT count(*) FROM prompts WHERE import_id IS NULL"),
             try db.columns(in: "samples").contains { $0.name == "import_id" })
        }
        #expect(hasImports && unlinked == 1 && samplesLinkable)
    }
}
