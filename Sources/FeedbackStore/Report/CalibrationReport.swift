import Foundation
import Support

// The report's calibration and adjudication sections, in each format: reviewers' accuracy on
// gold items and their self-consistency (n and Wilson 95% intervals, flagged on the upper
// bound), agreement before adjudication and the adjudications made.
extension StatsReport {
    var calibrationText: [String] {
        var out: [String] = []
        if let c = calibration {
            var table = TextTable(header: ["reviewer", "gold n", "accuracy", "95% CI (Wilson)", "repeats", "consistent", "95% CI", "flag"])
            for r in c.reviewers {
                table.rows.append([
                    TerminalText.neutralised(r.name, multiline: false), "\(r.goldRatings)", Format.percent(r.accuracy),
                    Format.interval(r.lower, r.upper, Format.percent), "\(r.repeats)", Format.percent(r.consistency),
                    Format.interval(r.consistencyLower, r.consistencyUpper, Format.percent), r.flagged ? "FLAGGED" : "",
                ])
            }
            out.append("Gold items: \(c.activeItems) queued of \(c.items); \(Format.percent(c.share)) of each queue is gold; "
                + "flagged when the accuracy's upper bound is below \(Format.percent(c.minAccuracy))\n"
                + (c.reviewers.isEmpty ? "  no gold ratings yet\n" : table.rendered + "\n"))
        }
        if let a = adjudication {
            out.append("Agreement before adjudication: \(a.agreed) of \(a.multiplyRated) items rated by 2+ reviewers agreed "
                + "(\(Format.percent(a.agreementRate)), 95% CI \(Format.interval(a.agreementLower, a.agreementUpper, Format.percent)))\n"
                + "  \(a.disagreements) disagreements: \(a.adjudicated) adjudicated by a lead, \(a.pending) waiting (rounds review --adjudicate)\n")
        }
        return out
    }

    var calibrationCSVRows: [(section: String, key: String, metric: String, value: Double?)] {
        var rows: [(section: String, key: String, metric: String, value: Double?)] = []
        if let c = calibration {
            rows.append(("gold", "all", "share", c.share))
            rows.append(("gold", "all", "min_accuracy", c.minAccuracy))
            rows.append(("gold", "all", "active_items", Double(c.activeItems)))
            for r in c.reviewers {
                rows += [("gold", r.name, "gold_ratings", Double(r.goldRatings)), ("gold", r.name, "gold_correct", Double(r.goldCorrect)),
                         ("gold", r.name, "accuracy", r.accuracy), ("gold", r.name, "wilson_lower", r.lower),
                         ("gold", r.name, "wilson_upper", r.upper), ("gold", r.name, "repeats", Double(r.repeats)),
                         ("gold", r.name, "consistent", Double(r.consistent)), ("gold", r.name, "consistency", r.consistency),
                         ("gold", r.name, "flagged", r.flagged ? 1 : 0)]
            }
        }
        if let a = adjudication {
            rows += [("adjudication", "all", "multiply_rated", Double(a.multiplyRated)), ("adjudication", "all", "agreed", Double(a.agreed)),
                     ("adjudication", "all", "agreement_rate", a.agreementRate), ("adjudication", "all", "wilson_lower", a.agreementLower),
                     ("adjudication", "all", "wilson_upper", a.agreementUpper), ("adjudication", "all", "disagreements", Double(a.disagreements)),
                     ("adjudication", "all", "adjudicated", Double(a.adjudicated)), ("adjudication", "all", "pending", Double(a.pending))]
        }
        return rows
    }

    var calibrationHTML: String {
        var html = ""
        if let c = calibration {
            html += "<h2>Reviewer calibration on gold items</h2><p class=\"note\">\(c.activeItems) gold items queued of \(c.items); "
                + "\(Format.percent(c.share)) of each queue is gold; flagged when the accuracy's Wilson 95% upper bound is below \(Format.percent(c.minAccuracy)).</p>"
                + "<table><tr><th>reviewer</th><th>gold n</th><th>accuracy</th><th>95% CI</th><th>repeats</th><th>consistent</th><th>95% CI</th><th>flag</th></tr>"
                + c.reviewers.map { r in
                    "<tr><td>\(escape(r.name))</td><td class=\"n\">\(r.goldRatings)</td><td class=\"n\">\(Format.percent(r.accuracy))</td>"
                        + "<td class=\"n\">\(Format.interval(r.lower, r.upper, Format.percent))</td><td class=\"n\">\(r.repeats)</td>"
                        + "<td class=\"n\">\(Format.percent(r.consistency))</td><td class=\"n\">\(Format.interval(r.consistencyLower, r.consistencyUpper, Format.percent))</td>"
                        + "<td>\(r.flagged ? "flagged" : "")</td></tr>"
                }.joined() + "</table>"
        }
        if let a = adjudication {
            html += "<h2>Adjudication</h2><p>Agreement before adjudication: \(a.agreed) of \(a.multiplyRated) items rated by two or more reviewers "
                + "(\(Format.percent(a.agreementRate)), 95% CI \(Format.interval(a.agreementLower, a.agreementUpper, Format.percent))). "
                + "\(a.disagreements) disagreements: \(a.adjudicated) adjudicated, \(a.pending) waiting.</p>"
        }
        return html
    }
}
