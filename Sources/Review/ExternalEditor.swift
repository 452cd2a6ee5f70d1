// `rounds review --editor`: `e` opens the answer in the reviewer's own editor ($VISUAL, else
// $EDITOR) instead of the built-in one. The text goes to an owner-only temporary file, the
// terminal leaves raw mode and the alternate screen while the editor runs, and the file's
// text comes back when the editor exits with status 0 (anything else: nothing changes).

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public struct ExternalEditor: Sendable {
    /// A shell command; the file's path is appended as its last argument.
    public var command: String

    public init(command: String) { self.command = command }

    /// $VISUAL, else $EDITOR, when either is set and not empty.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ExternalEditor? {
        for name in ["VISUAL", "EDITOR"] {
            if let command = environment[name]?.trimmingCharacters(in: .whitespaces), !command.isEmpty {
                return ExternalEditor(command: command)
            }
        }
        return nil
    }

    /// Runs the editor on `text` with the terminal handed over; the edited text, or nil.
    func edit(_ text: String, terminal: Terminal) throws -> String? {
        let folder = FileManager.default.temporaryDirectory
        let file = folder.appendingPathComponent("rounds-correction-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).txt")
        guard FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw TerminalError.system("create \(file.path)", errno)
        }
        defer { try? FileManager.default.removeItem(at: file) }
        terminal.restore()
        defer { try? terminal.start() }
        // sh -c 'COMMAND "$1"' sh FILE: the command may carry its own options (e.g. "code -w").
        let status = try run(["/bin/sh", "-c", command + " \"$1\"", "sh", file.path])
        guard status == 0, let data = FileManager.default.contents(atPath: file.path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    private func run(_ arguments: [String]) throws -> Int32 {
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let result = posix_spawn(&pid, arguments[0], nil, nil, argv, environ)
        guard result == 0 else { throw TerminalError.system("posix_spawn \(arguments[0])", result) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TerminalError.system("waitpid", errno) }
        }
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
        return status & 0x7F == 0 ? (status >> 8) & 0xFF : -1
    }
}
