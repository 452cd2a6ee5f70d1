// The loop benchmark's target (issue 12): after the last night, production's held-out rule
// satisfaction is above sft-v1's by at least 20 points or half of sft-v1's gap to 100%,
// whichever is smaller, with the lift's 95% interval above 0; the SFT held-out loss up at
// most 5%; and no night promoted a policy worse than its parent.
import Foundation

struct LoopTarget {
    let figures: LoopFigures

    init(_ figures: LoopFigures) { self.figures = figures }

    var requiredLift: Double { min(0.20, (1 - figures.sft.rule_rate) / 2) }

    struct Check {
        var name: String
        var met: Bool
        var detail: String
    }

    var checks: [Check] {
        guard let last = figures.nights.last else { return [] }
        let lower = last.lift_ci.first ?? .nan
        return [
            Check(name: "lift", met: last.lift >= requiredLift,
                  detail: String(format: "lift %+.3f after night %d, needed %+.3f", last.lift, last.night, requiredLift)),
            Check(name: "lift interval excludes 0", met: lower > 0,
                  detail: String(format: "95%% interval [%.3f, %.3f]", lower, last.lift_ci.last ?? .nan)),
            Check(name: "validation loss", met: last.validation_loss_change <= 0.05,
                  detail: String(format: "%+.1f%% (at most +5%%)", last.validation_loss_change * 100)),
            Check(name: "no worse promotion", met: !figures.nights.contains(where: \.worse_than_parent),
                  detail: "\(figures.nights.filter(\.promoted).count) promotions, \(figures.nights.filter(\.worse_than_parent).count) worse than the parent"),
        ]
    }

    var met: Bool { !checks.isEmpty && checks.allSatisfy(\.met) }

    var summary: String {
        "target " + (met ? "MET" : "NOT MET") + ": " + checks.map { "\($0.name) \($0.met ? "✓" : "✗") (\($0.detail))" }.joined(separator: "; ")
    }
}
