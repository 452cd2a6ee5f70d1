import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `rounds` running on a pseudo-terminal, as a physician would run it over ssh: the test
/// types keys into the master side and reads the screen back through `VirtualScreen`.
final class PseudoTerminalSession {
    let pid: pid_t
    /// The terminal device the program runs on (/dev/pts/N).
    let slavePath: String
    private(set) var master: Int32
    private(set) var screen: VirtualScreen
    private var exited: Int32?
    private var partial: [UInt8] = []  // an incomplete UTF-8 sequence at the end of a read

    init(_ arguments: [String], rows: Int = 24, columns: Int = 80, environment: [String: String] = [:]) throws {
        var m: Int32 = -1, s: Int32 = -1
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        spawnLock.lock()
        defer { spawnLock.unlock() }
        guard openpty(&m, &s, nil, nil, &size) == 0 else { throw TestProcessError.spawn(errno) }
        _ = fcntl(m, F_SETFD, FD_CLOEXEC)
        _ = fcntl(s, F_SETFD, FD_CLOEXEC)
        let path = String(cString: ttyname(s))
        slavePath = path
        do {
            pid = try spawn(roundsExecutable(), arguments, stdin: s, stdout: s, stderr: s,
                            controllingTerminal: path, environment: environment)
        } catch { close(m); close(s); throw error }
        close(s)  // the child holds the only slave side now: closing the master hangs it up
        master = m
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        screen = VirtualScreen(rows: rows, columns: columns)
    }

    deinit {
        if exited == nil { kill(pid, SIGKILL); _ = waitForProcess(pid, timeout: 5) }
        if master >= 0 { close(master) }
    }

    func send(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(master, &bytes, bytes.count)
    }

    /// Changes the terminal size as a terminal emulator does when its window is resized:
    /// TIOCSWINSZ on the master; the kernel sends SIGWINCH to the program.
    func resize(rows: Int, columns: Int) {
        var size = winsize(ws_row: UInt16(rows), ws_col: UInt16(columns), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        screen.resize(rows: rows, columns: columns)
    }

    /// Reads output until `condition` holds for the screen or `timeout` passes.
    @discardableResult
    func waitFor(timeout: Double = 10, _ condition: (VirtualScreen) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            pump(milliseconds: 20)
            if condition(screen) { return true }
            if Date() > deadline { return false }
        }
    }

    /// Waits until the screen shows `text`.
    @discardableResult
    func waitFor(_ text: String, timeout: Double = 10) -> Bool { waitFor(timeout: timeout) { $0.text.contains(text) } }

    /// Reads what is available for up to `milliseconds`.
    func pump(milliseconds: Int32) {
        var fds = [pollfd(fd: master, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 1, milliseconds) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { return }
            partial += buffer[0..<n]
            // Keep back a trailing incomplete UTF-8 sequence for the next read.
            var cut = partial.count
            for back in 1...min(3, partial.count) {
                let byte = partial[partial.count - back]
                if byte & 0xC0 == 0x80 { continue }  // continuation byte
                let need = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
                if need > back { cut = partial.count - back }
                break
            }
            screen.feed(String(decoding: partial[0..<cut], as: UTF8.self))
            partial.removeFirst(cut)
        }
    }

    /// Waits for the program to exit, reading its last output; its exit code, or nil.
    func waitForExit(timeout: Double = 10) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while Date() < deadline {
            pump(milliseconds: 20)
            if waitpid(pid, &status, WNOHANG) == pid {
                pump(milliseconds: 20)
                exited = exitCode(status)
                return exited
            }
        }
        return nil
    }

    /// Closes the master side, as sshd does when the connection drops.
    func hangUp() {
        close(master)
        master = -1
    }
}
