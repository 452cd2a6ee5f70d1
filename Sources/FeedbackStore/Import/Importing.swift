import Foundation
import GRDB
import Privacy

/// What an import did.
public struct ImportSummary: Hashable, Sendable, CustomStringConvertible {
    public var added = 0
    public var duplicates = 0
    public var promptsAdded = 0
    /// Identifiers the scrubber replaced; nil when the import was not scrubbed (--no-scrub).
    public var identifiersReplaced: Int?
    public var description: String {
        "\(added) added, \(duplicates) duplicate\(duplicates == 1 ? "" : "s") skipped"
            + (promptsAdded > 0 ? ", \(promptsAdded) new prompt\(promptsAdded == 1 ? "" : "s")" : "")
            + (identifiersReplaced.map { ", \($0) identifier\($0 == 1 ? "" : "s") replaced by placeholders" }
               ?? ", not scrubbed (declared de-identified)")
    }
}

/// One answer from a samples file, before it is stored.
struct SampleLine {
    var prompt: PromptKey
    var policy: String
    var text: String
    var tokenCount: Int?
    var logprobSum: Double?
    var temperature: Double?
    var topP: Double?
    var topK: Int?
    var seed: Int64?
}

// Imports: the whole file is read and checked first, then stored in one transaction, so a
// bad line imports nothing. Text is scrubbed of identifiers on the way in (names, phone
// numbers, IDs, dates, addresses, e-mail, URLs) unless `scrubber` is nil, which the caller
// passes for data already de-identified; the `imports` row records which it was.
extension FeedbackStore {
    /// Imports prompts from a JSONL file (see `JSONField.prompt` for the accepted shapes).
    /// Prompts already stored (same content hash) are skipped.
    @discardableResult
    public func importPrompts(
        from url: URL, heldOutFraction: Double = PromptKey.defaultHeldOutFraction, scrubber: Scrubber? = .standard
    ) throws -> ImportSummary {
        try Self.validateFraction(heldOutFraction)
        let lines = try JSONObjectLines(contentsOf: url)
        var scrub = ImportText(scrubber: scrubber)
        let keys = try lines.objects.map { line, object in
            do { return try scrub.prompt(JSONField.prompt(object)) } catch let error as JSONField.Reason { throw lines.fail(line, error.text) }
        }
        let replaced = scrub.replaced
        return try write { db in
            var summary = ImportSummary()
            var added: [Int64] = []
            for key in keys {
                let (prompt, inserted) = try Self.addPrompt(key, source: url.lastPathComponent, heldOutFraction: heldOutFraction, now: now(), db)
                if inserted { summary.added += 1; added.append(prompt.id!) } else { summary.duplicates += 1 }
            }
            summary.identifiersReplaced = scrubber == nil ? nil : replaced
            try Self.recordImport(
                .prompts, source: url.lastPathComponent, scrubbed: scrubber != nil, replaced: replaced, summary: summary,
                promptIDs: added, sampleIDs: [], now: now(), db)
            return summary
        }
    }

    /// Imports answers made elsewhere: `{"prompt": …, "policy": "v2", "completion"|"text":
    /// "…", "token_count"?, "logprob_sum"?, "temperature"?, "top_p"?, "top_k"?, "seed"?}`.
    /// Unknown prompts and policy versions are added. An answer identical to a stored one
    /// (same prompt, policy and text) is skipped.
    @discardableResult
    public func importSamples(
        from url: URL, heldOutFraction: Double = PromptKey.defaultHeldOutFraction, scrubber: Scrubber? = .standard
    ) throws -> ImportSummary {
        try Self.validateFraction(heldOutFraction)
        let lines = try JSONObjectLines(contentsOf: url)
        var scrub = ImportText(scrubber: scrubber)
        let samples = try lines.objects.map { line, object in
            do {
                var sample = try Self.sampleLine(object)
                sample.prompt = try scrub.prompt(sample.prompt)
                sample.text = scrub(sample.text)
                return sample
            } catch let error as JSONField.Reason { throw lines.fail(line, error.text) }
        }
        let replaced = scrub.replaced
        return try write { db in
            var summary = ImportSummary()
            var promptIDs: [Int64] = [], sampleIDs: [Int64] = []
            for line in samples {
                let (prompt, newPrompt) = try Self.addPrompt(
                    line.prompt, source: url.lastPathComponent, heldOutFraction: heldOutFraction, now: now(), db)
                if newPrompt { summary.promptsAdded += 1; promptIDs.append(prompt.id!) }
                let policy = try Self.ensurePolicy(named: line.policy, now: now(), db)
                let exists = try Bool.fetchOne(db, sql: """
                    SELECT EXISTS (SELECT 1 FROM samples WHERE prompt_id = ? AND policy_id = ? AND text = ?)
                    """, arguments: [prompt.id, policy.id, line.text]) ?? false
                if exists { summary.duplicates += 1; continue }
                var sample = Sample(
                    id: nil, promptID: prompt.id!, policyID: policy.id!, text: line.text, tokenCount: line.tokenCount,
                    logprobSum: line.logprobSum, temperature: line.temperature, topP: line.topP, topK: line.topK,
                    seed: line.seed, createdAt: now())
                try sample.insert(db)
                sampleIDs.append(sample.id!)
                summary.added += 1
            }
            summary.identifiersReplaced = scrubber == nil ? nil : replaced
            try Self.recordImport(
                .samples, source: url.lastPathComponent, scrubbed: scrubber != nil, replaced: replaced, summary: summary,
                promptIDs: promptIDs, sampleIDs: sampleIDs, now: now(), db)
            return summary
        }
    }

    static func sampleLine(_ object: [String: Any]) throws -> SampleLine {
        let prompt = try JSONField.prompt(object)
        guard let policy = try JSONField.string(object, "policy") else {
            throw JSONField.reason("no 'policy': name the policy version that wrote the answer, e.g. \"policy\": \"v2\"")
        }
        if let problem = NameRules.handleProblem(policy, what: "policy name") { throw JSONField.reason("bad 'policy': \(problem)") }
        var text = try JSONField.string(object, "text")
        if let completion = object["completion"], !(completion is NSNull) {
            if let string = completion as? String {
                text = string
            } else {
                // TRL conversational completion: [{"role": "assistant", "content": …}]
                let turns = try JSONField.messages(completion, "completion")
                guard turns.count == 1, turns[0].role == "assistant" else {
                    throw JSONField.reason("a conversational 'completion' is one assistant message")
                }
                text = turns[0].content
            }
        }
        guard let text else { throw JSONField.reason("no answer: expected a \"completion\" or \"text\" string") }
        guard !isBlank(text) else { throw JSONField.reason("the answer is empty (blank answers are never reviewed); leave the line out") }
        try JSONField.requireNoNUL(text, "completion")
        let tokenCount = try JSONField.integer(object, "token_count")
        if let tokenCount, tokenCount < 0 { throw JSONField.reason("'token_count' must be 0 or more") }
        // The ranges the sampler accepts (Generation's SamplingParameters.validate).
        let temperature = try JSONField.double(object, "temperature")
        if let temperature, temperature < 0 { throw JSONField.reason("'temperature' is \(temperature): use 0 (greedy) or more, e.g. 0.7") }
        let topP = try JSONField.double(object, "top_p")
        if let topP, !(topP > 0 && topP <= 1) { throw JSONField.reason("'top_p' is \(topP): use a probability above 0 and at most 1 (1 = off)") }
        let topK = try JSONField.integer(object, "top_k")
        if let topK, topK < 0 { throw JSONField.reason("'top_k' is \(topK): use 0 (off) or a positive count, e.g. 40") }
        return SampleLine(
            prompt: prompt, policy: policy, text: text, tokenCount: tokenCount.map(Int.init),
            logprobSum: try JSONField.double(object, "logprob_sum"), temperature: temperature,
            topP: topP, topK: topK.map(Int.init), seed: try JSONField.integer(object, "seed"))
    }

    static func validateFraction(_ fraction: Double) throws {
        guard fraction >= 0, fraction < 1 else {
            throw FeedbackStoreError.invalidValue(field: "held-out fraction", value: "\(fraction)", hint: "a number from 0 up to (not including) 1, e.g. 0.1")
        }
    }
}
