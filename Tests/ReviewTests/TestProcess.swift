import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The package root, found from this file's path (Tests/ReviewTests/…).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// The `rounds` executable built with the tests: beside the test bundle in the build
/// folder (`.build/<config>/rounds`).
func roundsExecutable() throws -> String {
    var candidates: [String] = []
    for start in [CommandLine.arguments[0], Bundle.main.executablePath ?? ""] where !start.isEmpty {
        var url = URL(fileURLWithPath: start).deletingLastPathComponent()
        // The bundle may be a folder (…/X.xctest/Contents/MacOS/X) or a file.
        for _ in 0..<4 {
            candidates.append(url.appendingPathComponent("rounds").path)
            url = url.deletingLastPathComponent()
        }
    }
    for config in ["debug", "release"] { candidates.append(packageRoot + "/.build/\(config)/rounds") }
    if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) && !$0.hasSuffix(".xctest/rounds") }) {
        return found
    }
    throw TestProcessError.missingExecutable(candidates)
}

enum TestProcessError: Error, CustomStringConvertible {
    case missingExecutable([String])
    case spawn(Int32)
    var description: String {
        switch self {
        case .missingExecutable(let paths): return "rounds executable not found (build it with swift build); looked in \(paths)"
        case .spawn(let code): return "posix_spawn failed: \(String(cString: strerror(code)))"
        }
    }
}

/// Serializes opening descriptors and spawning, so no child inherits another test's
/// pseudo-terminal (which would keep it from hanging up when closed).
let spawnLock = NSLock()

private let posixSpawnSetsid: Int16 = 0x80  // POSIX_SPAWN_SETSID (glibc <spawn.h>, not imported)

/// A child process with the given descriptors as standard input, output and error.
/// With `controllingTerminal`, the child starts a new session and opens that terminal
/// as its controlling terminal (so it gets SIGWINCH and SIGHUP like a login shell's child).
func spawn(_ executable: String, _ arguments: [String], stdin: Int32, stdout: Int32, stderr: Int32,
           controllingTerminal: String? = nil, environment: [String: String] = [:]) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    if let tty = controllingTerminal {
        posix_spawnattr_setflags(&attributes, posixSpawnSetsid)
        posix_spawn_file_actions_addopen(&actions, 0, tty, O_RDWR, 0)
        posix_spawn_file_actions_adddup2(&actions, 0, 1)
        posix_spawn_file_actions_adddup2(&actions, 0, 2)
    } else {
        posix_spawn_file_actions_adddup2(&actions, stdin, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr, 2)
    }
    // Close every other descriptor in the child, so no child keeps another test's pipe or
    // terminal open (glibc 2.34+; not imported into Swift, so looked up by name).
    typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
        _ = unsafeBitCast(symbol, to: CloseFrom.self)(&actions, 3)
    }
    var env = ProcessInfo.processInfo.environment
    env["TERM"] = "xterm-256color"
    env["LANG"] = "C.UTF-8"
    for (k, v) in environment { env[k] = v }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { for p in argv + envp { free(p) } }
    var pid: pid_t = 0
    let code = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard code == 0 else { throw TestProcessError.spawn(code) }
    return pid
}

/// Waits up to `timeout` seconds for `pid` to exit; its wait status, or nil.
func waitForProcess(_ pid: pid_t, timeout: Double) -> Int32? {
    let deadline = Date().addingTimeInterval(timeout)
    var status: Int32 = 0
    while Date() < deadline {
        let r = waitpid(pid, &status, WNOHANG)
        if r == pid { return status }
        if r < 0 { return nil }
        usleep(10_000)
    }
    return nil
}

func exitCode(_ status: Int32) -> Int32 { (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F) }

/// A running `rounds` with pipes on its standard input, output and error.
struct RoundsProcess {
    let pid: pid_t
    let input: FileHandle, output: FileHandle, errors: FileHandle

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        let inPipe = Pipe(), outPipe = Pipe(), errPipe = Pipe()
        spawnLock.lock()
        defer { spawnLock.unlock() }
        pid = try spawn(roundsExecutable(), arguments, stdin: inPipe.fileHandleForReading.fileDescriptor,
                        stdout: outPipe.fileHandleForWriting.fileDescriptor,
                        stderr: errPipe.fileHandleForWriting.fileDescriptor, environment: environment)
        try inPipe.fileHandleForReading.close()
        try outPipe.fileHandleForWriting.close()
        try errPipe.fileHandleForWriting.close()
        (input, output, errors) = (inPipe.fileHandleForWriting, outPipe.fileHandleForReading, errPipe.fileHandleForReading)
    }

    /// Sends `text` and closes standard input.
    func finishInput(_ text: String) throws {
        input.write(Data(text.utf8))
        try input.close()
    }

    /// Reads both outputs to the end and waits; (exit code, standard output, standard error).
    func wait() -> (Int32, String, String) {
        // Read both pipes at once, so a full pipe never blocks the child.
        nonisolated(unsafe) var errData = Data()
        let group = DispatchGroup()
        let errors = self.errors
        DispatchQueue.global().async(group: group) { errData = errors.readDataToEndOfFile() }
        let outData = output.readDataToEndOfFile()
        group.wait()
        let status = waitForProcess(pid, timeout: 300) ?? -1
        return (exitCode(status), String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}

/// `rounds` with arguments, waited for; (exit code, standard output, standard error).
@discardableResult
func runRounds(_ arguments: [String], input: String = "", environment: [String: String] = [:]) throws -> (Int32, String, String) {
    let process = try RoundsProcess(arguments, environment: environment)
    try process.finishInput(input)
    return process.wait()
}
