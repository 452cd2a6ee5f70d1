import FeedbackStore
import Foundation
import GRDB

/// A feedback database file for driving the real `rounds review` binary.
struct ReviewDatabase {
    let folder: URL
    var path: String { folder.appendingPathComponent("rounds.sqlite").path }

    /// Reviewers registered, `judgments` single answers and `pairs` pairs queued, each
    /// item wanted from `overlap` reviewers.
    init(reviewers: [String], judgments: Int, pairs: Int = 0, overlap: Int = 1, answer: (Int) -> String = { "回答 \($0)" },
         pairAnswers: (Int) -> (String, String) = { ("first \($0)", "second \($0)") }, displayNames: [String: String] = [:]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-review-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try FeedbackStore(path: folder.appendingPathComponent("rounds.sqlite").path)
        for name in reviewers {
            let display = displayNames[name]
            try store.registerReviewer(name: name, displayName: display.flatMap { NameRules.displayNameProblem($0) == nil ? $0 : nil })
        }
        // A display name Rounds would refuse today (controls, bidi overrides) is written
        // directly, as a database made before names were checked could hold it.
        let unchecked = displayNames.filter { reviewers.contains($0.key) && NameRules.displayNameProblem($0.value) != nil }
        if !unchecked.isEmpty {
            let queue = try DatabaseQueue(path: folder.appendingPathComponent("rounds.sqlite").path)
            try queue.write { db in
                for (name, display) in unchecked {
                    try db.execute(sql: "UPDATE reviewers SET display_name = ? WHERE name = ?", arguments: [display, name])
                }
            }
        }
        // One import (one transaction) rather than a transaction per answer: seeding
        // thousands of answers stays well under a second.
        if judgments > 0 {
            let lines = try (0..<judgments).map { i -> String in
                let object = ["prompt": "質問 \(i)：頭痛が三日続いています。どうすればよいですか？", "policy": "v1", "text": answer(i)]
                return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }
            let file = folder.appendingPathComponent("samples.jsonl")
            try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
            try store.importSamples(from: file)
        }
        try store.enqueueJudgments(overlap: overlap)
        for i in 0..<pairs {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "Pair question \(i)")]).prompt
            let (first, second) = pairAnswers(i)
            let a = try store.addSample(promptID: prompt.id!, policy: "v1", text: first)
            let b = try store.addSample(promptID: prompt.id!, policy: "v2", text: second)
            try store.enqueuePair(sampleID: a.id!, otherSampleID: b.id!, overlap: overlap)
        }
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// A read-only view of the file as another process left it.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        var config = Configuration()
        config.readonly = true
        return try DatabaseQueue(path: path, configuration: config).read(body)
    }

    /// Judgments that still count (not retracted, not superseded), oldest first.
    func liveJudgments() throws -> [Row] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT j.*, r.name AS reviewer FROM judgments j JOIN reviewers r ON r.id = j.reviewer_id
                WHERE j.retracted = 0 AND NOT EXISTS (SELECT 1 FROM judgments x WHERE x.supersedes_id = j.id)
                ORDER BY j.id
                """)
        }
    }
}
