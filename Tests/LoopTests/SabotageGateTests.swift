import FeedbackStore
import Foundation
import Testing
import Training
@testable import Loop

/// Sabotage never ships (the offline half): on the nightly world's tiny model, a candidate
/// trained on inverted preferences and one trained with a destructive learning rate are
/// rejected by the offline gates for every seed — while the same night on honest feedback
/// passes every gate, so the rejection is the gates' doing.
///
/// Every prompt has the same two answers; the clinicians (held-out prompts) prefer the urgent
/// one. The inverted night's training ratings prefer the other.
@Suite(.serialized) struct SabotageGateTests {
    typealias World = NightlyRunTests.World
    static let seeds: [UInt64] = [0, 1, 2, 3, 4]

    /// A world with fixed answers rated by one reviewer; `inverted`: training prompts rated backwards.
    static func world(seed: UInt64, inverted: Bool, learningRate: Double, epochs: Int = 2) throws -> World {
        var world = try World(prompts: 40, heldOutFraction: 0.5)
        try world.queueFixedAnswers(overlap: 1)
        try world.rate(reviewers: ["clinician"]) { _, prompt, answer in
            (answer == World.urgent) != (inverted && prompt.split == .train)
        }
        world.config.method = .dpo
        world.config.seed = seed
        world.config.dpo = .init(epochs: epochs, batchSize: 4, learningRate: learningRate)
        world.config.reward = .init(epochs: 1, batchSize: 4, learningRate: 1e-3)
        // The gates that need no sampling (fresh answers are off: reward preference and KL are
        // measured on sampled answers, which this random model cannot give meaningfully).
        world.config.evaluation.freshPrompts = 0
        world.config.gates.minFreshAnswers = 0
        world.config.gates.minHeldOutJudgments = 0
        world.config.gates.minHeldOutPairs = 10
        world.config.sampling.prompts = 0  // no morning queue
        return world
    }

    static func night(_ world: World) throws -> GateReport {
        let outcome = try world.nightly()
        return try #require(outcome.decision)
    }

    @Test func honestFeedbackPassesEveryGate() throws {
        let world = try Self.world(seed: 0, inverted: false, learningRate: 1e-3)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let report = try Self.night(world)
        let pair = report.gates[0]
        #expect(report.passes && pair.n >= 10 && pair.lower! > 0.5, "\(report)")
        #expect(try world.registry.production()?.name == "nightly-1")
    }

    @Test(arguments: seeds) func invertedPreferencesAreRejected(seed: UInt64) throws {
        let world = try Self.world(seed: seed, inverted: true, learningRate: 1e-3)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let report = try Self.night(world)
        let pair = report.gates[0]
        // Rejected on the evidence (enough of it), not for the lack of it.
        #expect(!report.passes && pair.n >= pair.minimumN && !pair.passed && pair.upper! < 0.5, "\(report)")
        #expect(try world.registry.manifest("nightly-1").status == .candidate)
        #expect(try world.registry.production()?.name == "v1")
    }

    @Test(arguments: seeds) func aDestructiveLearningRateIsRejected(seed: UInt64) throws {
        let world = try Self.world(seed: seed, inverted: false, learningRate: 1e-1)
        defer { try? FileManager.default.removeItem(at: world.folder) }
        let report = try Self.night(world)
        let forgetting = report.gates[3]
        #expect(!report.passes && forgetting.n >= forgetting.minimumN && !forgetting.passed, "\(report)")
        #expect(try world.registry.production()?.name == "v1")
    }
}
