import Foundation
import Testing
@testable import Training

@Suite struct PolicyRegistryTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("rounds-registry-\(UUID())")

    func make(_ name: String, parent: String?, at seconds: Double) -> PolicyManifest {
        PolicyManifest(
            name: name, parent: parent, kind: .lora,
            base: .init(path: "base/model.gguf", sha256: "ab"), method: "dpo",
            createdAt: Date(timeIntervalSince1970: seconds))
    }

    @Test func promoteRetiresThePreviousAndRollbackRestoresIt() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        // Given two policies, v1 promoted first
        let registry = PolicyRegistry(root: root)
        try registry.save(make("v1", parent: nil, at: 1_000))
        try registry.save(make("v2", parent: "v1", at: 2_000))
        try registry.promote("v1", by: "nightly", reason: "all gates held")
        // When v2 is promoted
        try registry.promote("v2", by: "nightly", reason: "all gates held")
        // Then v1 is retired, v2 serves, and both changes are on record
        #expect(try registry.manifest("v1").status == .retired)
        #expect(try registry.production()?.name == "v2")
        // When a person rolls back
        let restored = try registry.rollback(by: "dr.sato", reason: "worse on triage")
        // Then v1 serves again and the history says who and why
        #expect(restored == "v1")
        #expect(try registry.production()?.name == "v1")
        let v2 = try registry.manifest("v2")
        #expect(v2.status == .retired)
        #expect(v2.history.last?.by == "dr.sato")
        #expect(v2.history.last?.reason.contains("worse on triage") == true)
        #expect(try registry.list().map(\.name) == ["v1", "v2"])
    }

    @Test func unknownNamesAndBadNamesGiveClearErrors() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let registry = PolicyRegistry(root: root)
        try registry.save(make("sft-v1", parent: nil, at: 1))
        #expect(throws: PolicyRegistry.RegistryError.notFound(name: "v9", root: root.path, known: ["sft-v1"])) {
            try registry.manifest("v9")
        }
        #expect(throws: PolicyRegistry.RegistryError.invalidName("../evil")) {
            try registry.save(make("../evil", parent: nil, at: 1))
        }
        #expect(throws: PolicyRegistry.RegistryError.noPreviousProduction) { try registry.rollback(by: "a", reason: "b") }
    }
}
