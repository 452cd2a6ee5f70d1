import ArgumentParser
import FeedbackStore
import Foundation
import Review

/// `rounds-bench review-page`: paging through a very long answer in the review tool. The
/// first frame of a card wraps its text for the terminal width (once per width); every
/// page after that should cost what a short answer costs. Timed as the interactive loop
/// does it per key: the session's handling of PgDn (scroll, what is on screen) and the
/// frame with its escape sequences against the frame already on screen.
struct ReviewPageBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-page",
        abstract: "First frame and PgDn latency of a multi-megabyte answer at 80×24 (target: no page over 50 ms).")

    @Option(help: "Answer size in megabytes (UTF-8).")
    var megabytes = 5.0

    @Option(help: "Pages timed.")
    var pages = 500

    func validate() throws {
        guard megabytes > 0, megabytes <= 100 else { throw ValidationError("--megabytes must be above 0 and at most 100, e.g. --megabytes 5") }
        guard (10...100_000).contains(pages) else { throw ValidationError("--pages must be 10–100000, e.g. --pages 500") }
    }

    /// Japanese and English clinical prose in paragraphs of a few lines, `bytes` long.
    static func answer(bytes: Int) -> String {
        let paragraph = "胸痛が左腕や顎に広がる、冷や汗を伴う場合は、すぐに救急車を呼んでください (call an ambulance). "
            + "Aspirin 162–325 mg chewed, unless allergic; ニトログリセリンは処方されている場合のみ使用します。\n"
        var text = ""
        text.reserveCapacity(bytes + paragraph.utf8.count)
        while text.utf8.count < bytes { text += paragraph }
        return text
    }

    func run() throws {
        #if DEBUG
        print("warning: debug build; figures are meaningless. Use: swift run -c release rounds-bench review-page")
        #endif
        let text = Self.answer(bytes: Int(megabytes * 1_000_000))
        let backend = SingleCardBackend(ReviewCard(id: 1, prompt: "胸が痛いです。どうすればよいですか？", answers: .single(text)))
        let session = ReviewSession(backend: backend, reviewer: "bench", guidelines: Guidelines(path: "g.md", markdown: "# g"))
        session.resize(TerminalSize(rows: 24, columns: 80))

        // The card arriving: fetched, wrapped, drawn.
        let (t0, c0) = (monotonicSeconds(), ReviewDrawBench.threadCPUSeconds())
        try session.start()
        var onScreen = ReviewView.render(session.state, guidelines: session.guidelines)
        _ = onScreen.ansi(columns: 80)
        let (first, firstCPU) = (monotonicSeconds() - t0, ReviewDrawBench.threadCPUSeconds() - c0)
        let lines = ReviewView.body(session.state).count

        var times: [Double] = [], cpu: [Double] = []
        for _ in 0..<pages {
            let (t, c) = (monotonicSeconds(), ReviewDrawBench.threadCPUSeconds())
            _ = try session.handle(session.state.scroll >= ReviewView.maxScroll(session.state) ? .home : .pageDown)
            let frame = ReviewView.render(session.state, guidelines: session.guidelines)
            _ = frame.ansi(columns: 80, previous: onScreen)
            onScreen = frame
            times.append(monotonicSeconds() - t)
            cpu.append(ReviewDrawBench.threadCPUSeconds() - c)
        }

        // A resize wraps again for the new width.
        let (t1, c1) = (monotonicSeconds(), ReviewDrawBench.threadCPUSeconds())
        session.resize(TerminalSize(rows: 40, columns: 120))
        _ = ReviewView.render(session.state, guidelines: session.guidelines).ansi(columns: 120)
        let (rewrap, rewrapCPU) = (monotonicSeconds() - t1, ReviewDrawBench.threadCPUSeconds() - c1)

        print(String(format: "answer: %.1f MB, %d characters, %d lines at 80 columns", Double(text.utf8.count) / 1e6, text.count, lines))
        print(String(format: "first frame (fetch, wrap, draw): %.0f ms wall, %.0f ms thread CPU", first * 1000, firstCPU * 1000))
        Latency.report("PgDn (handle + render + escape sequences)", times)
        Latency.report("  the same in thread CPU time", cpu)
        print(String(format: "resize to 120×40 (wrap again, draw): %.0f ms wall, %.0f ms thread CPU", rewrap * 1000, rewrapCPU * 1000))
    }
}

/// One card and nothing else: the benchmark times the tool, not the database.
final class SingleCardBackend: ReviewBackend {
    let card: ReviewCard
    init(_ card: ReviewCard) { self.card = card }
    func nextCard() throws -> ReviewCard? { card }
    func record(_ rating: Rating) throws {}
    func skip(cardID: Int64) throws {}
    func undoLast() throws -> Bool { false }
    func progress() throws -> ReviewProgress { ReviewProgress(doneToday: 0, remaining: 1) }
    func release(cardID: Int64) throws {}
    func idle() throws {}
}
