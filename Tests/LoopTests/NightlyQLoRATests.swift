import Foundation
import Testing
import Training
@testable import Loop

/// `qlora` in feedback/nightly.json: off by default; on, the night's reward model, DPO and KTO
/// train their adapters on a 4-bit base (PPO samples and keeps the fp32 base).
@Suite struct NightlyQLoRATests {
    @Test func theKeyIsReadAndDefaultsToOff() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-nightly-qlora-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("nightly.json")
        #expect(!(try NightlyConfig.load(file)).qlora)
        try #"{"qlora": true, "loraRank": 8}"#.write(to: file, atomically: true, encoding: .utf8)
        let config = try NightlyConfig.load(file)
        #expect(config.qlora && config.loraRank == 8)
        try #"{"qlora": "yes"}"#.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: NightlyConfig.ConfigError.self) { try NightlyConfig.load(file) }
    }
}
