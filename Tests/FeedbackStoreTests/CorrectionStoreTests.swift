import Foundation
import GRDB
import Testing
@testable import FeedbackStore

/// Corrections and rubric values: saved with the judgment, in every export and in every
/// statistics format, withdrawn with the judgment by an undo.
@Suite struct CorrectionStoreTests {
    static let correction = "胸痛が20分以上続くときは、すぐに救急車を呼んでください。"

    /// Three answers of v1, rated by one reviewer: correct (consensus aligned, harm none);
    /// incorrect with severe harm; incorrect, mild harm, consensus opposed, no bias, and a
    /// correction (rated last, so an undo withdraws it).
    static func rated(_ kind: StoreKind) throws -> (FeedbackStore, Reviewer, [Sample]) {
        let store = try makeStore(kind)
        let samples = try seed(store, prompts: 3, policies: ["v1"]).map { $0[0] }
        try store.enqueueJudgments(overlap: 1)
        let reviewer = try store.registerReviewer(name: "a")
        let plan: [(Verdict, HarmLevel, JudgmentDetails)] = [
            (.correct, .none, JudgmentDetails(axes: ["consensus": "aligned"])),
            (.incorrect, .severe, JudgmentDetails()),
            (.incorrect, .mild, JudgmentDetails(correction: correction, identifiersReplaced: 0, axes: ["consensus": "opposed", "bias": "no"])),
        ]
        for (verdict, harm, details) in plan {
            let item = try #require(try store.nextItem(for: reviewer))
            try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: verdict, harm: harm,
                                     details: details, secondsSpent: 5)
        }
        return (store, reviewer, samples)
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aCorrectionIsAPreferencePairAnSFTExampleAndADesirableCompletion(_ kind: StoreKind) throws {
        let (store, _, samples) = try Self.rated(kind)
        let records = try store.correctionRecords(split: .all)
        #expect(records.count == 1 && records[0].corrected == Self.correction && records[0].original == samples[2].text)
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }

        let pairs = folder.appendingPathComponent("dpo.jsonl").path
        #expect(try store.export(.preference, to: pairs, split: .all).rows == 1)
        let pair = try #require(try lines(pairs).first)
        #expect(pair["chosen"] as? String == Self.correction && pair["rejected"] as? String == samples[2].text)
        #expect(pair["correction_id"] as? Int == Int(records[0].id) && pair["prompt"] as? String == "質問 2: 頭痛が続きます")

        // SFT: the answer judged correct, and the correction.
        let sft = folder.appendingPathComponent("sft.jsonl").path
        #expect(try store.export(.sft, to: sft, split: .all).rows == 2)
        let contents = try lines(sft).compactMap { ($0["messages"] as? [[String: String]])?.last?["content"] }
        #expect(contents == [samples[0].text, Self.correction])

        // Unpaired: three judgments with their rubric values (harm extent from the harm level), then the correction.
        let unpaired = folder.appendingPathComponent("kto.jsonl").path
        #expect(try store.export(.unpaired, to: unpaired, split: .all).rows == 4)
        let all = try lines(unpaired)
        #expect(all[2]["axes"] as? [String: String] == ["consensus": "opposed", "bias": "no", "harm_extent": "mild_moderate"])
        #expect(all[1]["axes"] as? [String: String] == ["harm_extent": "severe"])
        #expect(all[3]["completion"] as? String == Self.correction && all[3]["label"] as? Bool == true)

        let csv = folder.appendingPathComponent("all.csv").path
        try store.export(.csv, to: csv, split: .all)
        let rows = try String(contentsOfFile: csv, encoding: .utf8).components(separatedBy: "\r\n")
        #expect(rows[0].hasSuffix(",seconds_spent,axes,correction"))
        #expect(rows[3].hasSuffix(",bias=no;consensus=opposed;harm_extent=mild_moderate,\(Self.correction)"))
    }

    @Test(arguments: StoreKind.allCases)
    func statisticsCountCorrectionsAndAxesPerPolicyWithWilsonIntervals(_ kind: StoreKind) throws {
        let (store, _, _) = try Self.rated(kind)
        let report = try store.statsReport(bootstrapRounds: 10)
        // 1 correction of 3 judged answers: Wilson 95% (statsmodels proportion_confint, method "wilson").
        let c = try #require(report.corrections.first)
        #expect(c.policy == "v1" && c.corrections == 1 && c.judged == 3)
        #expect(abs(c.lower! - 0.06149194472039615) < 1e-12 && abs(c.upper! - 0.7923403991979523) < 1e-12)
        func rate(_ axis: String, _ value: String) -> StatsReport.AxisRate? { report.axes.first { $0.axis == axis && $0.value == value } }
        let opposed = try #require(rate("consensus", "opposed"))
        #expect(opposed.count == 1 && opposed.rated == 2)
        #expect(abs(opposed.lower! - 0.09453120573423074) < 1e-12 && abs(opposed.upper! - 0.9054687942657693) < 1e-12)
        #expect(rate("harm_extent", "severe")?.count == 1 && rate("harm_extent", "severe")?.rated == 3)
        #expect(rate("harm_extent", "mild_moderate")?.count == 1 && rate("bias", "no")?.rated == 1)
        #expect(report.axes.filter { $0.axis == "harm_extent" }.map(\.value) == ["none", "mild_moderate", "severe"])

        // Every format shows them.
        #expect(report.table.contains("Corrections per policy version") && report.table.contains("consensus"))
        let json = try #require(try JSONSerialization.jsonObject(with: report.json()) as? [String: Any])
        #expect((json["corrections"] as? [[String: Any]])?.first?["corrections"] as? Int == 1)
        #expect((json["axes"] as? [[String: Any]])?.count == report.axes.count)
        #expect(report.csv.contains("corrections,v1,corrections,1\r\n"))
        #expect(report.csv.contains("axis,consensus=opposed v1,wilson_lower,0.0945312057342307"))
        #expect(report.html.contains("Rubric axes per policy version") && report.html.contains("<td>harm_extent</td>"))
    }

    @Test(arguments: StoreKind.allCases)
    func undoWithdrawsTheCorrectionAndTheAxesWithTheJudgment(_ kind: StoreKind) throws {
        let (store, reviewer, _) = try Self.rated(kind)
        #expect(try store.undoLast(reviewer: reviewer)?.kind == .judgment)
        #expect(try store.correctionRecords(split: .all).isEmpty)
        #expect(try store.judgmentAxes().values.map { $0.count } == [1])  // the first judgment's
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try store.export(.preference, to: folder.appendingPathComponent("p.jsonl").path, split: .all).rows == 0)
        let report = try store.statsReport(bootstrapRounds: 10)
        #expect(report.corrections.first?.corrections == 0 && report.corrections.first?.judged == 2)
        // The rows themselves stay (append-only): the correction is there, its judgment retracted.
        #expect(try store.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM corrections") } == 1)
    }

    @Test func badCorrectionsAndAxesAreRefusedAndNothingIsSaved() throws {
        let store = try makeStore(.inMemory)
        let samples = try seed(store, prompts: 1, policies: ["v1"])
        try store.enqueueJudgments(overlap: 1)
        let reviewer = try store.registerReviewer(name: "a")
        let item = try #require(try store.nextItem(for: reviewer))
        for details in [JudgmentDetails(correction: samples[0][0].text), JudgmentDetails(correction: "  \n"),
                        JudgmentDetails(axes: ["harm_extent": "severe"]), JudgmentDetails(axes: ["bias": ""])] {
            #expect(throws: FeedbackStoreError.self) {
                try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .incorrect, details: details, secondsSpent: 1)
            }
        }
        // Nothing half-written: no judgment, and the item is still this reviewer's to rate.
        #expect(try store.reader.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM judgments") } == 0)
        try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .incorrect,
                                 details: JudgmentDetails(correction: "別の回答"), secondsSpent: 1)
        // Corrections cannot be rewritten through SQL either.
        #expect(throws: DatabaseError.self) { try writeRaw(store, "UPDATE corrections SET text = 'x'") }
    }

    @Test func harmExtentReadsTheHarmLevelOnThreeLevels() {
        #expect(HarmLevel.allCases.map(HarmExtent.init) == [.none, .mildModerate, .mildModerate, .severe])
        #expect(HarmExtent.mildModerate.harm(keeping: .mild) == .mild)
        #expect(HarmExtent.mildModerate.harm(keeping: .severe) == .moderate)
        #expect(HarmExtent.severe.harm(keeping: nil) == .severe)
    }
}
