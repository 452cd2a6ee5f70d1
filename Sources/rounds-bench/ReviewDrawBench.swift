import ArgumentParser
import FeedbackStore
import Foundation
import Review
import RoundsSimulation

/// `rounds-bench review-draw`: what a physician waits for between pressing a rating key
/// and seeing the next card, on a feedback database at production scale. Timed per card:
/// fetch (the next card and the progress figures) and render (the 80×24 frame and its
/// escape sequences), as the interactive loop does them; the rating itself is timed apart.
struct ReviewDrawBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-draw",
        abstract: "Next card + progress + render at 80×24 on a large database (p50/p99; target p99 < 20 ms).")

    @Option(help: "Database file to create (must not exist). Default: a temporary file, removed afterwards.")
    var db: String?

    @Flag(help: "Reuse the database at --db (seeded before, e.g. by rounds-bench feedback) instead of seeding a new one.")
    var reuse = false

    @Option(help: "Judgments to seed.")
    var judgments = 1_000_000

    @Option(help: "Comparisons to seed.")
    var comparisons = 200_000

    @Option(help: "Timed cards (each is then rated, untimed in the draw figure, as a reviewer would).")
    var cards = 2000

    @Option(help: "Terminal rows.")
    var rows = 24

    @Option(help: "Queue order: oldest, or informative (open items get random information scores first; draws by score with the store's random share).")
    var order: QueueOrder = .oldest

    @Option(help: "Terminal columns.")
    var columns = 80

    func validate() throws {
        guard judgments >= 2, comparisons >= 2 else { throw ValidationError("--judgments and --comparisons must be at least 2") }
        guard (10...100_000).contains(cards) else { throw ValidationError("--cards must be 10–100000, e.g. --cards 2000") }
        guard rows >= ReviewView.minimumSize.rows, columns >= ReviewView.minimumSize.columns else {
            throw ValidationError("--rows/--columns must be at least \(ReviewView.minimumSize.rows)×\(ReviewView.minimumSize.columns), e.g. --rows 24 --columns 80")
        }
        if let db, !reuse, FileManager.default.fileExists(atPath: db) {
            throw ValidationError("\(db) exists; pass a new path, omit --db, or add --reuse")
        }
        if reuse && db == nil { throw ValidationError("--reuse needs --db PATH of a database seeded before") }
    }

    func run() throws {
        #if DEBUG
        print("warning: debug build; figures are meaningless. Use: swift run -c release rounds-bench review-draw")
        #endif
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-bench-draw-\(getpid())")
        let path = db ?? folder.appendingPathComponent("rounds.sqlite").path
        defer { if db == nil { try? FileManager.default.removeItem(at: folder) } }

        let seeded = reuse && FileManager.default.fileExists(atPath: path)
        let store = try FeedbackStore(path: path)
        if !seeded {
            var spec = SyntheticFeedback()
            (spec.judgments, spec.comparisons) = (judgments, comparisons)
            spec.openItems = max(cards * 2, 10_000)
            let seedStart = Date()
            try store.seedSynthetic(spec) { print("  seeding \($0)") }
            print(String(format: "seeded %d judgments + %d comparisons in %.1f s", judgments, comparisons, Date().timeIntervalSince(seedStart)))
        }

        if order == .informative {
            // Scores as the loop would store them (here random), on every open ordinary item.
            var rng = SeededGenerator(seed: 7)
            let items = try store.openItemsToScore()
            let scores = Dictionary(uniqueKeysWithValues: items.map { ($0.itemID, Optional(Double(rng.next() >> 11) / Double(1 << 53))) })
            try store.setInformationScores(scores)
        }
        try store.setQueueOrder(order, randomShare: nil, by: store.actor())
        let settings = try store.queueOrderSettings()
        print("queue order \(settings.order.rawValue)" + (settings.order == .informative ? ", random share \(settings.randomShare)" : ""))

        // Reviewers take turns, each with their own backend, as separate sessions would.
        let backends = try store.reviewers().map { try StoreReviewBackend(store: store, reviewer: $0.name, databasePath: path) }
        let guidelines = Guidelines(path: "feedback/guidelines.md", markdown: "# Guidelines")
        var next: [Double] = [], progress: [Double] = [], render: [Double] = [], draw: [Double] = [], rate: [Double] = [], idle: [Double] = [], drawCPU: [Double] = []
        var bytes = 0
        for card in 0..<cards {
            let backend = backends[card % backends.count]
            var state = ReviewState(reviewer: backend.reviewer.displayName)
            state.size = TerminalSize(rows: rows, columns: columns)
            // As ReviewSession.loadNext does it: the card, then its progress figures.
            let (t0, c0) = (monotonicSeconds(), Self.threadCPUSeconds())
            state.card = try backend.nextCard()
            let t1 = monotonicSeconds()
            state.progress = try backend.progress()
            let t2 = monotonicSeconds()
            let frame = ReviewView.render(state, guidelines: guidelines)
            bytes += frame.ansi(columns: columns).utf8.count
            let t3 = monotonicSeconds()
            drawCPU.append(Self.threadCPUSeconds() - c0)
            next.append(t1 - t0)
            progress.append(t2 - t1)
            render.append(t3 - t2)
            draw.append(t3 - t0)
            guard let shown = state.card else { break }
            let choice: ReviewChoice = shown.isPair ? .preferA : .correct
            try backend.record(Rating(cardID: shown.id, choice: choice, annotation: Annotation(), secondsSpent: 30))
            rate.append(monotonicSeconds() - t3)
            let t4 = monotonicSeconds()
            try backend.idle()   // the tool's upkeep once a card is drawn (WAL checkpoints)
            idle.append(monotonicSeconds() - t4)
        }
        Latency.report("next card (claim, \(order.rawValue) order)", next)
        Latency.report("progress (done today, remaining)", progress)
        Latency.report("render \(columns)×\(rows) frame", render)
        Latency.report("next card + progress + render (target p99 < 20 ms)", draw)
        // The same steps in CPU time of this thread: what they cost without waiting for a
        // core or the disk (on a shared machine the wall figure above includes both).
        Latency.report("  the same in thread CPU time", drawCPU)
        Latency.report("record rating (one transaction, untimed above)", rate)
        Latency.report("upkeep after drawing (checkpoint every \(StoreReviewBackend.checkpointEvery), untimed above)", idle)
        print(String(format: "  %.1f KB of terminal output per frame", Double(bytes) / Double(max(1, draw.count)) / 1024))

        // A long answer: 4,000 characters of Japanese with English, wrapped and drawn.
        let long = String(repeating: "胸痛が左腕や顎に広がる、冷や汗を伴う場合は、すぐに救急車を呼んでください (call an ambulance). ", count: 60)
        var state = ReviewState(reviewer: "bench")
        state.size = TerminalSize(rows: rows, columns: columns)
        state.card = ReviewCard(id: 1, prompt: "胸が痛いです。", answers: .pair(a: long, b: long))
        var longRender: [Double] = []
        for _ in 0..<200 {
            let t = monotonicSeconds()
            _ = ReviewView.render(state, guidelines: guidelines).ansi(columns: columns)
            longRender.append(monotonicSeconds() - t)
        }
        Latency.report("render a pair of \(long.count)-character answers", longRender)
    }

    static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

extension QueueOrder: ExpressibleByArgument {}
