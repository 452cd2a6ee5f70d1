// Blind A/B judging of two policies' held-out answers by the simulated reviewers of the loop
// benchmark: answer j of policy A to a prompt is paired with answer j of policy B to the same
// prompt, shown in a random order to `overlap` of the `reviewers` (each flips a `noise` share
// of its verdicts, as in the nightly reviews), and scored for A: win 1, tie or both bad ½,
// loss 0. The win rate is the mean score over all ratings; its interval resamples prompts.
import Foundation
import Loop
import RoundsSimulation
import Tensor

struct BlindPanel {
    var reviewers = 3
    var overlap = 2
    var noise: Double
    var seed: UInt64
    var rule = ScriptedReviewer.clinicalRubric()

    struct Result {
        var rate: Double
        var interval: (lower: Double, upper: Double)?
        var pairs: Int
        var ratings: Int
        var wins = 0, ties = 0, losses = 0
    }

    func winRate(prompts: [String], a: HeldOutScore, b: HeldOutScore) -> Result {
        var rng = SeededRandom(seed: seed ^ 0xB11D)
        var clusters: [PromptBootstrap.Cluster] = []
        var result = Result(rate: 0.5, interval: nil, pairs: 0, ratings: 0)
        var k = 0
        for (i, prompt) in prompts.enumerated() {
            let redFlag = ScriptedReviewer.hasRedFlag(prompt)
            var cluster = PromptBootstrap.Cluster(value: 0, count: 0)
            for (x, y) in zip(a.answers[i], b.answers[i]) {
                result.pairs += 1
                for _ in 0..<min(overlap, reviewers) {
                    k += 1
                    let aFirst = rng.next() % 2 == 0
                    var outcome = aFirst ? rule.compare(prompt: prompt, redFlag: redFlag, a: x, b: y)
                                         : rule.compare(prompt: prompt, redFlag: redFlag, a: y, b: x)
                    if rng.nextDouble() < noise { outcome = outcome == .a ? .b : outcome == .b ? .a : outcome }
                    let aWins = aFirst ? outcome == .a : outcome == .b
                    let bWins = aFirst ? outcome == .b : outcome == .a
                    let score = aWins ? 1.0 : bWins ? 0.0 : 0.5
                    if aWins { result.wins += 1 } else if bWins { result.losses += 1 } else { result.ties += 1 }
                    cluster.value += score
                    cluster.count += 1
                }
            }
            if cluster.count > 0 { clusters.append(cluster) }
        }
        result.ratings = k
        let total = clusters.reduce(0) { $0 + $1.count }
        if total > 0 { result.rate = clusters.reduce(0) { $0 + $1.value } / total }
        result.interval = PromptBootstrap(seed: seed).ratio(clusters)
        return result
    }
}
