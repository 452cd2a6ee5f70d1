import ArgumentParser
import FeedbackStore
import Foundation
import Support
import Synchronization

/// `rounds-bench active`: does the informative queue order teach a reward model with fewer
/// ratings than oldest-first? A pool of pairs whose features decide the better answer
/// (ActiveWorld: a hidden rule, scripted noisy reviewers, a linear Bradley–Terry reward
/// model) is queued in a real feedback store (its random choices seeded too); reviewers rate
/// through `nextItem` in batches, the reward model is refitted after each batch and, for the
/// informative order, the open items are rescored (`InformationEvidence`, the same score the
/// loop stores). The curve is held-out pair accuracy against ratings, per order and seed. Per
/// seed, the target is the accuracy oldest-first ends with (mean of its last three points);
/// the saving is 1 − (ratings informative needs to reach it) / (ratings oldest-first needs).
struct ActiveBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "active",
        abstract: "Ratings the informative queue order saves against oldest-first to reach the same held-out pair accuracy (target ≥ 30%).")

    @Option(help: "Seeds (each: a new hidden rule, pool and held-out set).") var seeds = 5
    @Option(help: "Pairs queued for review.") var pool = 2000
    @Option(help: "Held-out pairs for the accuracy.") var heldOut = 2000
    @Option(help: "Ratings per run.") var budget = 400
    @Option(help: "Ratings between refits of the reward model (and rescoring of the queue).") var batch = 10
    @Option(help: "Features per answer.") var dimensions = 10
    @Option(help: "Reviewer noise: P(prefer A) = σ(w*·(xA − xB) / noise).") var noise = 0.25
    @Option(help: "Random share of the informative order's draws (default: the store's default).") var randomShare = QueueOrderSettings.defaultRandomShare
    @Option(help: "Scripted reviewers taking turns.") var reviewers = 3
    @Option(help: "Write the curves and savings as JSON to this file.") var json: String?

    static let targetSaving = 0.30

    func validate() throws {
        guard (1...100).contains(seeds) else { throw ValidationError("--seeds must be 1–100, e.g. --seeds 5") }
        guard pool >= 10, heldOut >= 10 else { throw ValidationError("--pool and --held-out must be at least 10") }
        guard (1...pool).contains(budget) else { throw ValidationError("--budget must be 1–pool (\(pool)), e.g. --budget 400") }
        guard (1...budget).contains(batch), budget % batch == 0 else { throw ValidationError("--batch must divide --budget, e.g. --batch 10") }
        guard (2...100).contains(dimensions) else { throw ValidationError("--dimensions must be 2–100") }
        guard noise > 0, noise.isFinite else { throw ValidationError("--noise must be above 0, e.g. 0.25") }
        guard (0...1).contains(randomShare) else { throw ValidationError("--random-share must be 0–1, e.g. 0.2") }
        guard (1...20).contains(reviewers) else { throw ValidationError("--reviewers must be 1–20") }
    }

    struct Run: Codable {
        var ratings: [Int] = []
        var accuracy: [Double] = []
        var randomDraws = 0
        var draws = 0
        /// Ratings that agree with the hidden rule (the scripted reviewers' noise as it hit this order's items).
        var agreeWithRule = 0
        /// Informative draws, and those whose item had the highest score stored on any open item.
        var informativeDraws = 0
        var drewTopScore = 0
        /// Informative draws of an unscored item while a scored one was open.
        var drewUnscored = 0
    }

    struct SeedResult: Codable {
        var seed: Int
        var oldest: Run
        var informative: Run
        var target: Double
        var oldestNeeds: Int
        var informativeNeeds: Int?
        var saving: Double?
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        #if DEBUG
        print("warning: debug build; timings are meaningless (the savings are not).")
        #endif
        print("pool \(pool) pairs, \(heldOut) held out, \(dimensions) features, reviewer noise \(noise), \(reviewers) reviewers, "
              + "budget \(budget) ratings, refit every \(batch), random share \(randomShare)")
        let start = Date()
        let progress = ProgressReporter("active", total: seeds * 2, unit: "runs")
        var results: [SeedResult] = []
        for seed in 0..<seeds {
            let oldest = try run(order: .oldest, seed: seed)
            progress.update(2 * seed + 1)
            let informative = try run(order: .informative, seed: seed)
            progress.update(2 * seed + 2)
            let tail = oldest.accuracy.suffix(3)
            let target = tail.reduce(0, +) / Double(tail.count)
            func needs(_ run: Run) -> Int? { zip(run.ratings, run.accuracy).first { $0.1 >= target }?.0 }
            let oldestNeeds = needs(oldest) ?? budget
            let informativeNeeds = needs(informative)
            let saving = informativeNeeds.map { 1 - Double($0) / Double(oldestNeeds) }
            results.append(SeedResult(seed: seed, oldest: oldest, informative: informative, target: target,
                                      oldestNeeds: oldestNeeds, informativeNeeds: informativeNeeds, saving: saving))
            print(String(format: "seed %d: target accuracy %.3f; oldest-first reaches it at %d ratings, informative at %@ → saving %@",
                         seed, target, oldestNeeds, informativeNeeds.map { "\($0)" } ?? "never (>\(budget))",
                         saving.map { String(format: "%.1f%%", 100 * $0) } ?? "none"))
        }
        progress.finish()
        report(results)
        print(String(format: "time %.1f s", Date().timeIntervalSince(start)))
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(results), to: URL(fileURLWithPath: json))
        }
    }

    func report(_ results: [SeedResult]) {
        print("\nHeld-out pair accuracy against ratings (mean of \(results.count) seeds):")
        print("  ratings  oldest-first  informative")
        let points = results[0].oldest.ratings
        for (k, n) in points.enumerated() where k % max(1, points.count / 10) == 0 || k == points.count - 1 {
            let o = results.map { $0.oldest.accuracy[k] }.reduce(0, +) / Double(results.count)
            let i = results.map { $0.informative.accuracy[k] }.reduce(0, +) / Double(results.count)
            print(String(format: "  %7d  %12.3f  %11.3f", n, o, i))
        }
        let draws = results.reduce(0) { $0 + $1.informative.draws }, random = results.reduce(0) { $0 + $1.informative.randomDraws }
        if let w = Stats.wilsonInterval(successes: random, total: draws) {
            print(String(format: "Random share of the informative order's draws: %d of %d = %.3f (Wilson 95%% %.3f–%.3f; configured %.2f)",
                         random, draws, Double(random) / Double(max(1, draws)), w.lower, w.upper, randomShare))
        }
        let informative = results.map(\.informative)
        let top = informative.reduce(0) { $0 + $1.drewTopScore }, scored = informative.reduce(0) { $0 + $1.informativeDraws }
        print("Informative draws (after the first scoring) that took the highest-scored open item: \(top) of \(scored)"
              + "; an unscored item: \(informative.reduce(0) { $0 + $1.drewUnscored })")
        for (name, runs) in [("oldest-first", results.map(\.oldest)), ("informative", results.map(\.informative))] {
            let agree = runs.reduce(0) { $0 + $1.agreeWithRule }, total = runs.reduce(0) { $0 + $1.draws }
            print(String(format: "Ratings agreeing with the hidden rule, %@: %d of %d = %.3f", name, agree, total, Double(agree) / Double(max(1, total))))
        }
        // A seed where informative never reached the target saved nothing we can count: −∞
        // is not a number to average, so such a run makes the target missed outright.
        let savings = results.compactMap(\.saving)
        guard savings.count == results.count else {
            print("Saving: informative did not reach oldest-first's accuracy within \(budget) ratings on "
                  + "\(results.count - savings.count) of \(results.count) seeds. Target ≥ 30% fewer ratings: MISSED")
            return
        }
        let n = Double(savings.count)
        let mean = savings.reduce(0, +) / n
        let sd = savings.count > 1 ? sqrt(savings.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)) : 0
        let t = Self.studentT975[min(savings.count - 1, Self.studentT975.count - 1)]
        let (lower, upper) = (mean - t * sd / sqrt(n), mean + t * sd / sqrt(n))
        let verdict = lower >= Self.targetSaving ? "MET (on the lower bound)"
            : mean >= Self.targetSaving ? "met on the mean, not on the lower bound" : "MISSED"
        print(String(format: "Mean saving %.1f%% of ratings (n = %d seeds, 95%% t-interval %.1f%%–%.1f%%); target ≥ %.0f%%: %@",
                     100 * mean, savings.count, 100 * lower, 100 * upper, 100 * Self.targetSaving, verdict))
    }

    /// Student t 97.5% quantiles for 1…10 degrees of freedom (index = df − 1; index 0 unused
    /// for one seed, where the interval has no width).
    static let studentT975 = [0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]

    /// One learning curve: `budget` ratings through the store's queue in `order`.
    func run(order: QueueOrder, seed: Int) throws -> Run {
        var rng = SeededGenerator(seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 1)
        let world = ActiveWorld(dimensions: dimensions, noise: noise, heldOutPairs: heldOut, rng: &rng)
        // The store's own random choices (the random share, the item a random draw takes, which
        // answer is shown as A, on which a scripted reviewer's verdict depends) come from the
        // seed too, so that a seed decides the whole run.
        let draws = Mutex(SeededGenerator(seed: UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 &+ 2))
        let store = try FeedbackStore.inMemory(random: { draws.withLock { $0.next() } })
        var features: [Int64: [Double]] = [:]
        var newAnswers: [FeedbackStore.NewSample] = [], baseAnswers: [FeedbackStore.NewSample] = []
        var pending: [(Int, [Double], [Double])] = []
        for i in 0..<pool {
            let prompt = try store.addPrompt(messages: [ChatMessage(role: "user", content: "question \(seed)-\(i)")]).prompt
            let a = ActiveWorld.answer(dimensions, &rng), b = ActiveWorld.answer(dimensions, &rng)
            newAnswers.append(.init(promptID: prompt.id!, text: "answer \(i) new", tokenCount: nil, logprobSum: nil, temperature: nil, topP: nil, topK: nil, seed: nil))
            baseAnswers.append(.init(promptID: prompt.id!, text: "answer \(i) base", tokenCount: nil, logprobSum: nil, temperature: nil, topP: nil, topK: nil, seed: nil))
            pending.append((i, a, b))
        }
        let new = try store.addSamples(newAnswers, policy: "new"), base = try store.addSamples(baseAnswers, policy: "base")
        for (i, a, b) in pending { (features[new[i].id!], features[base[i].id!]) = (a, b) }
        try store.enqueuePairs(newPolicy: "new", baselinePolicy: "base", overlap: 1)
        let raters = try (0..<reviewers).map { try store.registerReviewer(name: "scripted-\($0)") }
        try store.setQueueOrder(order, randomShare: randomShare, by: store.actor())

        var result = Run()
        var differences: [[Double]] = []
        var weights = [Double](repeating: 0, count: dimensions)
        // The scores stored on the open items (informative order), to check each draw against.
        var scores: [Int64: Double] = [:]
        result.ratings.append(0)
        result.accuracy.append(world.heldOutAccuracy(weights))
        while differences.count < budget {
            for _ in 0..<batch {
                let reviewer = raters[differences.count % raters.count]
                guard let item = try store.nextItem(for: reviewer), case let .compare(a, b) = item.content,
                      let fa = features[a.id!], let fb = features[b.id!]
                else { throw ValidationError("the queue ran out after \(differences.count) ratings; raise --pool") }
                let prefersA = world.reviewerPrefersA(fa, fb, &rng)
                if prefersA == (ActiveWorld.dot(world.rule, zip(fa, fb).map { $0 - $1 }) > 0) { result.agreeWithRule += 1 }
                try store.recordComparison(assignmentID: item.assignmentID, reviewer: reviewer, outcome: prefersA ? .a : .b, secondsSpent: 30)
                differences.append(prefersA ? zip(fa, fb).map { $0 - $1 } : zip(fb, fa).map { $0 - $1 })
                let draw = try store.draw(ofAssignment: item.assignmentID).draw
                result.draws += 1
                if draw == .random { result.randomDraws += 1 }
                if draw == .informative, !scores.isEmpty {
                    result.informativeDraws += 1
                    let best = scores.values.max()!
                    if let mine = scores[item.itemID] { if mine == best { result.drewTopScore += 1 } } else { result.drewUnscored += 1 }
                }
                scores[item.itemID] = nil
            }
            weights = ActiveWorld.fit(differences, dimensions: dimensions)
            result.ratings.append(differences.count)
            result.accuracy.append(world.heldOutAccuracy(weights))
            if order == .informative { scores = try rescore(store, weights: weights, features: features) }
        }
        return result
    }

    /// Stores each open item's score from the refitted reward model's margin and the distance
    /// between its two answers' features (what the linear reward model reads); returns the
    /// scores stored.
    func rescore(_ store: FeedbackStore, weights: [Double], features: [Int64: [Double]]) throws -> [Int64: Double] {
        var ids: [Int64] = [], evidence: [InformationEvidence] = []
        for item in try store.openItemsToScore() {
            guard let second = item.second, let fa = features[item.first.id!], let fb = features[second.id!] else { continue }
            var e = item.evidence
            e.rewardMargin = ActiveWorld.dot(weights, fa) - ActiveWorld.dot(weights, fb)
            e.featureDistance = InformationEvidence.squaredDistance(fa, fb)
            ids.append(item.itemID)
            evidence.append(e)
        }
        var scores: [Int64: Double?] = [:]
        for (id, score) in zip(ids, InformationEvidence.scores(evidence)) { scores[id] = score }
        try store.setInformationScores(scores)
        return scores.compactMapValues { $0 }
    }
}
