// The full-screen loop of the adjudication tool: the same terminal handling as the review
// tool (alternate screen, resize, hang-up, keys typed before a case is drawn are dropped).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum AdjudicationRunner {
    /// Runs until the lead quits or the session ends; returns the exit status.
    public static func runInteractive(_ session: AdjudicationSession, terminal: Terminal) throws -> Int32 {
        try terminal.start()
        defer { terminal.restore() }
        session.resize(terminal.size())
        try session.start()
        _ = terminal.discardTypeAhead()
        var onScreen: Frame? = nil
        func draw() {
            let frame = AdjudicationView.render(session.state)
            terminal.write(frame.ansi(columns: session.state.size.columns, previous: onScreen))
            onScreen = frame
        }
        draw()
        while true {
            switch terminal.nextEvent() {
            case .resize:
                session.resize(terminal.size())
                terminal.write("\u{1B}[2J")
                onScreen = nil
            case .finish(let signal):
                return 128 + signal
            case .keys(let keys):
                for key in keys {
                    let before = session.state.index
                    do {
                        if try session.handle(key) { return key == .interrupt ? 128 + SIGINT : 0 }
                    } catch {
                        session.report("Not saved: \(error.localizedDescription)")
                    }
                    // A key typed before the next case was drawn is not a decision on it.
                    if session.state.index != before { _ = terminal.discardTypeAhead(); break }
                }
            }
            draw()
        }
    }
}

extension AdjudicationSession {
    /// Shows `message` in the footer (errors the lead should see).
    public func report(_ message: String) { setMessage(message) }
}
