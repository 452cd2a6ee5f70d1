import ArgumentParser
import FeedbackStore
import Foundation
import RoundsSimulation

/// `rounds-bench feedback`: a feedback database at production scale (1M judgments, 200k
/// comparisons), then the latency of the review queue's calls and the time of `rounds stats`.
struct FeedbackBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Next-item latency (p50/p99) and statistics time on a large synthetic feedback database.")

    @Option(help: "Database file to create (must not exist). Default: a temporary file, removed afterwards.")
    var db: String?

    @Flag(help: "Reuse the database at --db if it exists instead of seeding a new one (quicker reruns).")
    var reuse = false

    @Option(help: "Judgments to seed.")
    var judgments = 1_000_000

    @Option(help: "Comparisons to seed.")
    var comparisons = 200_000

    @Option(help: "Timed next-item calls (each claim is followed by an untimed rating, as a reviewer would).")
    var calls = 2000

    @Option(help: "Bootstrap rounds of the timed statistics run.")
    var bootstrap = 1000

    func validate() throws {
        guard judgments >= 2, comparisons >= 2 else { throw ValidationError("--judgments and --comparisons must be at least 2") }
        guard (10...100_000).contains(calls) else { throw ValidationError("--calls must be 10–100000, e.g. --calls 2000") }
        if let db, !reuse, FileManager.default.fileExists(atPath: db) {
            throw ValidationError("\(db) exists; pass a new path, omit --db, or add --reuse")
        }
        if reuse && db == nil { throw ValidationError("--reuse needs --db PATH of a database seeded before") }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)   // progress lines appear as they happen, even in a log
        #if DEBUG
        print("warning: debug build; figures are meaningless. Use: swift run -c release rounds-bench feedback")
        #endif
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-bench-\(getpid())")
        let path = db ?? folder.appendingPathComponent("rounds.sqlite").path
        defer { if db == nil { try? FileManager.default.removeItem(at: folder) } }

        let seeded = reuse && FileManager.default.fileExists(atPath: path)
        let store = try FeedbackStore(path: path)
        if !seeded {
            var spec = SyntheticFeedback()
            (spec.judgments, spec.comparisons) = (judgments, comparisons)
            spec.openItems = max(calls * 2, 10_000)
            let seedStart = Date()
            try store.seedSynthetic(spec) { print("  seeding \($0)") }
            let seedTime = Date().timeIntervalSince(seedStart)
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            print(String(format: "seeded %d judgments + %d comparisons in %.1f s (%.0f ratings/s), file %.0f MB",
                         judgments, comparisons, seedTime, Double(judgments + comparisons) / seedTime, Double(size) / 1e6))
        }

        // Reviewers take turns: claim (timed), rate (timed separately), as in a session;
        // like the review tool, WAL checkpoints run apart from the timed calls.
        try store.deferCheckpoints()
        let reviewers = try store.reviewers()
        var claim: [Double] = [], rate: [Double] = [], resume: [Double] = [], checkpoint: [Double] = []
        for call in 0..<calls {
            let reviewer = reviewers[call % reviewers.count]
            var t = Date()
            guard let item = try store.nextItem(for: reviewer) else { break }
            claim.append(Date().timeIntervalSince(t))
            if call % 10 == 0 {
                t = Date()
                _ = try store.nextItem(for: reviewer)   // resumes the open assignment
                resume.append(Date().timeIntervalSince(t))
            }
            t = Date()
            switch item.content {   // an undo of an earlier run may have reopened a pair
            case .judge: try store.recordJudgment(assignmentID: item.assignmentID, reviewer: reviewer, verdict: .correct, secondsSpent: 30)
            case .compare: try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer, outcome: .tie, secondsSpent: 30)
            }
            rate.append(Date().timeIntervalSince(t))
            if call % 25 == 24 {
                t = Date()
                try store.checkpoint()
                checkpoint.append(Date().timeIntervalSince(t))
            }
        }
        Latency.report("nextItem (claim a new slot)", claim)
        Latency.report("nextItem (resume open assignment)", resume)
        Latency.report("recordJudgment / recordComparison (one transaction)", rate)
        Latency.report("checkpoint every 25 ratings (as the review tool does once a card is drawn)", checkpoint)
        var undo: [Double] = [], progress: [Double] = []
        for reviewer in reviewers.prefix(10) {
            var t = Date()
            try store.undoLast(reviewer: reviewer)
            undo.append(Date().timeIntervalSince(t))
            t = Date()
            _ = try store.progress(reviewer: reviewer, since: Date().addingTimeInterval(-86_400))
            progress.append(Date().timeIntervalSince(t))
        }
        Latency.report("undoLast", undo)
        Latency.report("progress (done today, remaining)", progress)

        // Wall time and CPU time (user + system, all threads): on a shared machine the
        // second says what the code costs, the first what a user waits.
        var (cpu, statsStart) = (Self.cpuSeconds(), Date())
        let report = try store.statsReport(bootstrapRounds: bootstrap)
        let (statsTime, statsCPU) = (Date().timeIntervalSince(statsStart), Self.cpuSeconds() - cpu)
        (cpu, statsStart) = (Self.cpuSeconds(), Date())
        _ = try store.statsReport(bootstrapRounds: 0)
        let (noBootstrap, noBootstrapCPU) = (Date().timeIntervalSince(statsStart), Self.cpuSeconds() - cpu)
        print(String(format: "statsReport: %.2f s wall (%.2f s CPU) with %d bootstrap rounds; %.2f s wall (%.2f s CPU) without (target < 3 s)",
                     statsTime, statsCPU, bootstrap, noBootstrap, noBootstrapCPU))
        var load = [Double](repeating: 0, count: 3)
        if getloadavg(&load, 3) == 3 { print(String(format: "load average during the run: %.1f (on %d cores)", load[0], ProcessInfo.processInfo.activeProcessorCount)) }
        print("  ratings: " + report.ratings.map { "\($0.policy) \(String(format: "%.0f", $0.rating ?? .nan))" }.joined(separator: ", "))
        print(String(format: "  agreement: judgments Fleiss κ %.3f, α %.3f; comparisons Fleiss κ %.3f, α %.3f",
                     report.judgmentAgreement.fleissKappa ?? .nan, report.judgmentAgreement.krippendorffAlpha ?? .nan,
                     report.comparisonAgreement.fleissKappa ?? .nan, report.comparisonAgreement.krippendorffAlpha ?? .nan))
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
