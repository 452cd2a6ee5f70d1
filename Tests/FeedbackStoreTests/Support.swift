import Foundation
import Testing
@testable import FeedbackStore

/// Every store test runs its body against an in-memory database and a file on disk.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case inMemory, onDisk
    var testDescription: String { rawValue }
}

/// A clock tests can move.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) { current = start }
    var now: Date { lock.withLock { current } }
    func advance(_ seconds: TimeInterval) { lock.withLock { current += seconds } }
}

/// The folder every store test's temporary folders are made in, removed when the test
/// process exits (an on-disk store per test would otherwise stay behind in /tmp on every run).
let temporaryRoot: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-store-tests-\(UUID().uuidString)")
    atexit { try? FileManager.default.removeItem(at: temporaryRoot) }
    return url
}()

/// A fresh temporary folder (callers may remove it earlier).
func temporaryFolder() throws -> URL {
    let url = temporaryRoot.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func makeStore(_ kind: StoreKind, clock: TestClock = TestClock()) throws -> FeedbackStore {
    switch kind {
    case .inMemory:
        return try FeedbackStore.inMemory(now: { clock.now })
    case .onDisk:
        let path = try temporaryFolder().appendingPathComponent("feedback/rounds.sqlite").path
        return try FeedbackStore(path: path, now: { clock.now })
    }
}

/// Prompts 0..<promptCount, each answered once by every policy in `policies`.
@discardableResult
func seed(_ store: FeedbackStore, prompts promptCount: Int, policies: [String]) throws -> [[Sample]] {
    try (0..<promptCount).map { i in
        let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "質問 \(i): 頭痛が続きます")]).prompt
        return try policies.map { try store.addSample(promptID: prompt.id!, policy: $0, text: "\($0) の回答 \(i)") }
    }
}
