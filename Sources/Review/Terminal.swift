// The controlling terminal in raw mode, on the alternate screen.
//
// Signals never do work in their handlers: SIGWINCH, SIGHUP, SIGTERM and SIGINT only
// write their number into a pipe (the self-pipe trick), and the review loop, which polls
// the terminal and that pipe together, redraws or finishes between two key presses.
// Ratings are committed by then, so a dropped ssh session (SIGHUP) loses nothing, and the
// terminal settings saved on entry are restored on every way out.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What the review loop waits for.
public enum TerminalEvent: Equatable, Sendable {
    case keys([Key])
    case resize
    /// The session must end: the terminal hung up, or SIGHUP/SIGTERM/SIGINT arrived.
    case finish(signal: Int32)
}

/// Terminal size in character cells.
public struct TerminalSize: Equatable, Sendable {
    public var rows: Int
    public var columns: Int
    public init(rows: Int, columns: Int) { self.rows = rows; self.columns = columns }
}

public enum TerminalError: LocalizedError, CustomStringConvertible {
    case notATerminal
    case system(String, Int32)

    public var description: String {
        switch self {
        case .notATerminal:
            return "rounds review needs a terminal on standard input and output (run it in a terminal or over ssh -t)."
        case .system(let call, let code):
            return "\(call) failed: \(String(cString: strerror(code)))"
        }
    }

    public var errorDescription: String? { description }
}

/// Write end of the signal pipe; only touched by the signal handler after setup.
nonisolated(unsafe) private var signalPipeWrite: Int32 = -1

private func forwardSignal(_ number: Int32) {
    var byte = UInt8(truncatingIfNeeded: number)
    let saved = errno
    _ = write(signalPipeWrite, &byte, 1)
    errno = saved
}

private func writeBytes(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}

/// Raw-mode terminal on file descriptors `input`/`output` (normally 0 and 1).
public final class Terminal {
    public let input: Int32
    public let output: Int32
    private var saved = termios()
    private var active = false
    private var signalPipeRead: Int32 = -1
    private var parser = KeyParser()

    public static let handledSignals: [Int32] = [SIGWINCH, SIGHUP, SIGTERM, SIGINT, SIGQUIT]

    public init(input: Int32 = 0, output: Int32 = 1) throws {
        guard isatty(input) == 1, isatty(output) == 1 else { throw TerminalError.notATerminal }
        self.input = input
        self.output = output
    }

    deinit { restore() }

    /// Enters raw mode and the alternate screen, and routes signals to the event loop.
    public func start() throws {
        guard tcgetattr(input, &saved) == 0 else { throw TerminalError.system("tcgetattr", errno) }
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw TerminalError.system("pipe", errno) }
        for fd in pipeFDs { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        signalPipeRead = pipeFDs[0]
        signalPipeWrite = pipeFDs[1]
        for number in Self.handledSignals { signal(number, forwardSignal) }
        signal(SIGPIPE, SIG_IGN)

        var raw = saved
        // Byte-at-a-time input without echo; Ctrl-C arrives as a key (ISIG off), so it
        // ends the session through the same path as `q`.
        raw.c_iflag &= ~tcflag_t(BRKINT | ICRNL | INPCK | ISTRIP | IXON)
        raw.c_cflag |= tcflag_t(CS8)
        raw.c_lflag &= ~tcflag_t(ECHO | ICANON | IEXTEN | ISIG)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        guard tcsetattr(input, TCSANOW, &raw) == 0 else { throw TerminalError.system("tcsetattr", errno) }
        active = true
        // Alternate screen, hidden cursor, cleared.
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[2J")
    }

    /// Leaves the alternate screen and restores the saved settings; safe to call twice,
    /// and after a hang-up (the writes then fail quietly).
    public func restore() {
        guard active else { return }
        active = false
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        _ = tcsetattr(input, TCSANOW, &saved)
        for number in Self.handledSignals { signal(number, SIG_DFL) }
        if signalPipeRead >= 0 { close(signalPipeRead); close(signalPipeWrite); signalPipeRead = -1; signalPipeWrite = -1 }
    }

    /// The current size from the kernel (TIOCGWINSZ); 80×24 when the terminal does not say.
    public func size() -> TerminalSize {
        var ws = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_row > 0, ws.ws_col > 0 {
            return TerminalSize(rows: Int(ws.ws_row), columns: Int(ws.ws_col))
        }
        return TerminalSize(rows: 24, columns: 80)
    }

    /// Writes everything, retrying short writes; errors (a hung-up terminal) are ignored.
    public func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { writeBytes(output, $0.baseAddress! + offset, $0.count - offset) }
            if n > 0 { offset += n } else if n < 0 && errno == EINTR { continue } else { return }
        }
    }

    /// Reads and throws away the keys typed but not yet read (type-ahead meant for a card
    /// no longer on screen), without waiting; returns them. A hang-up is left for
    /// `nextEvent` to report.
    public func discardTypeAhead() -> [Key] {
        var keys: [Key] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            var fd = pollfd(fd: input, events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, 0) > 0, fd.revents & Int16(POLLIN) != 0 else { break }
            let n = read(input, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            keys += parser.feed(buffer[0..<n])
        }
        return keys + parser.flush()
    }

    /// Waits for keys, a resize or the end of the session.
    public func nextEvent() -> TerminalEvent {
        while true {
            var fds = [pollfd(fd: input, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: signalPipeRead, events: Int16(POLLIN), revents: 0)]
            // A lone ESC is the Escape key only if nothing follows within 50 ms.
            let timeout: Int32 = parser.hasPending ? 50 : -1
            let ready = poll(&fds, 2, timeout)
            if ready < 0 { if errno == EINTR { continue }; return .finish(signal: SIGHUP) }
            if ready == 0 {
                let keys = parser.flush()
                if !keys.isEmpty { return .keys(keys) }
                continue
            }
            if fds[1].revents & Int16(POLLIN) != 0 {
                var byte: UInt8 = 0
                if read(signalPipeRead, &byte, 1) == 1 {
                    let number = Int32(byte)
                    if number == SIGWINCH { return .resize }
                    return .finish(signal: number)
                }
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = read(input, &buffer, buffer.count)
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 { return .finish(signal: SIGHUP) }  // hang-up: EOF or EIO
                let keys = parser.feed(buffer[0..<n])
                if !keys.isEmpty { return .keys(keys) }
            }
        }
    }
}
