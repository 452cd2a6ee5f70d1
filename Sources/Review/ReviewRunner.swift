// The two drivers of a review session: the full-screen loop on a terminal, and the
// scripted driver that reads keys from a byte stream (standard input without a
// terminal), used by load tests and scripted checks. Both call `ReviewSession.handle`.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum ReviewRunner {
    /// Runs the full-screen tool until the reviewer quits or the session is ended by a
    /// signal or hang-up. Returns the process exit status (0, or 128 + signal). With
    /// `externalEditor`, `e` hands the terminal to that editor for the correction.
    public static func runInteractive(_ session: ReviewSession, terminal: Terminal, externalEditor: ExternalEditor? = nil) throws -> Int32 {
        try terminal.start()
        defer { terminal.restore() }
        session.resize(terminal.size())
        try session.start()
        // However the loop ends, the unrated card goes back to the queue; if that fails
        // (the database is locked), its claim lapses on its own.
        defer { try? session.end() }
        // Keys typed while the tool started were typed before the first card was shown.
        let early = terminal.discardTypeAhead()
        if early.contains(.interrupt) { return 128 + SIGINT }
        session.reportIgnoredKeys(early.count)
        var onScreen: Frame? = nil
        if let externalEditor {
            session.externalEditor = { [unowned session] text in
                // The editor drew over the screen (and the window may have changed size).
                defer { onScreen = nil; session.resize(terminal.size()) }
                return try externalEditor.edit(text, terminal: terminal)
            }
        }
        draw(session, on: terminal, over: &onScreen)
        while true {
            switch terminal.nextEvent() {
            case .resize:
                session.resize(terminal.size())
                terminal.write("\u{1B}[2J")  // the old frame may be wider than the new screen
                onScreen = nil
            case .finish(let signal):
                return 128 + signal
            case .keys(let keys):
                // Each key acts on what is on screen: the state is drawn after every key, and
                // once a key brings a new card, the keys typed before it is drawn (the rest
                // of this read, and whatever is waiting) are thrown away, not rated. They
                // are read off just before the new card is drawn: a key pressed once it is
                // on screen always counts.
                for (index, key) in keys.enumerated() {
                    let before = session.state.card?.id
                    if let status = handle(key, session) { return status }
                    if session.state.card?.id != before {
                        let waiting = terminal.discardTypeAhead()
                        // Ctrl-C is never thrown away: it still ends the session.
                        if waiting.contains(.interrupt) || keys[(index + 1)...].contains(.interrupt) { return 128 + SIGINT }
                        session.reportIgnoredKeys(keys.count - index - 1 + waiting.count)
                        break
                    }
                    if index < keys.count - 1 { draw(session, on: terminal, over: &onScreen) }
                }
            }
            draw(session, on: terminal, over: &onScreen)
            // The card is on screen; now the upkeep nobody should wait for.
            do { try session.idle() } catch { session.report("Database upkeep failed: \(error.localizedDescription)") }
        }
    }

    /// Hands one key to the session; the exit status when the session ends.
    private static func handle(_ key: Key, _ session: ReviewSession) -> Int32? {
        do {
            // Ctrl-C quits like q, with the status a shell expects after it.
            if try session.handle(key) == .quit { return key == .interrupt ? 128 + SIGINT : 0 }
        } catch {
            // Nothing was saved for this key; say so and let the reviewer retry.
            session.report("Not saved: \(error.localizedDescription) Press the key again.")
        }
        return nil
    }

    /// Draws the session's frame, sending only the rows that differ from `onScreen`.
    static func draw(_ session: ReviewSession, on terminal: Terminal, over onScreen: inout Frame?) {
        let frame = ReviewView.render(session.state, guidelines: session.guidelines)
        terminal.write(frame.ansi(columns: session.state.size.columns, previous: onScreen))
        onScreen = frame
    }

    /// Feeds keys read from `input` to the session, without drawing. Prints one line per
    /// committed action to `log` (`rated ITEM VERDICT SECONDS`, `skipped ITEM`, `undone`)
    /// and `empty` when the queue runs out. Store errors are thrown (a script cannot retry).
    /// A card still claimed at the end of input is given back.
    public static func runScripted(_ session: ReviewSession, input: Int32, log: (String) -> Void) throws {
        try session.start()
        defer { try? session.end() }
        var parser = KeyParser()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var announcedEmpty = false
        func process(_ keys: [Key]) throws -> Bool {
            for key in keys {
                switch try session.handle(key) {
                case .rated(let r)?: log("rated \(r.cardID) \(r.choice.rawValue) \(r.secondsSpent)")
                case .skipped(let id)?: log("skipped \(id)")
                case .undone?: log("undone")
                case .quit?: return false
                case nil: break
                }
                try session.idle()
                if session.state.card == nil && !announcedEmpty { log("empty"); announcedEmpty = true }
                if session.state.card != nil { announcedEmpty = false }
            }
            return true
        }
        if session.state.card == nil { log("empty"); announcedEmpty = true }
        while true {
            let n = read(input, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN {
                var fd = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
                _ = poll(&fd, 1, -1)
                continue
            }
            if n < 0 { throw TerminalError.system("read", errno) }
            if n == 0 { _ = try process(parser.flush()); return }
            guard try process(parser.feed(buffer[0..<n])) else { return }
        }
    }
}
