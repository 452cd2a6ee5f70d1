import Foundation
import Support

extension StatsReport {
    /// A plain-text report for a terminal.
    public var table: String {
        var out: [String] = []
        let sinceText = since.map { " since \(ISO8601DateFormatter().string(from: $0))" } ?? ""
        out.append("Feedback statistics\(sinceText) (latest ratings that still count)\n")

        var reviewerTable = TextTable(header: ["reviewer", "judgments", "comparisons", "median s/item"])
        for r in reviewers {
            // Names are typed by people: shown neutralised (no escape sequences, no bidi overrides).
            let shown = TerminalText.neutralised(r.displayName, multiline: false)
            let name = r.displayName == r.name ? r.name : "\(shown) (\(r.name))"
            reviewerTable.rows.append([name, "\(r.judgments)", "\(r.comparisons)", Format.fixed(r.medianSeconds, 1)])
        }
        out.append("Reviewers\n" + reviewerTable.rendered + "\n")

        var rateTable = TextTable(header: ["policy", "correct", "judged", "rate", "95% CI (Wilson)"])
        for c in correctRates {
            rateTable.rows.append([c.policy, "\(c.correct)", "\(c.total)", Format.percent(c.rate),
                                   Format.interval(c.lower, c.upper, Format.percent)])
        }
        out.append("Correct rate per policy version\n" + rateTable.rendered + "\n")
        if let informativeDraws { out.append(informativeDraws.sentence + "\n") }

        var winTable = TextTable(header: ["row vs column (W/T/L)"] + policies)
        for (i, policy) in policies.enumerated() {
            winTable.rows.append([policy] + policies.indices.map { j in
                let cell = winMatrix.cells[i][j]
                return i == j ? "·" : "\(cell.wins)/\(cell.ties + cell.bothBad)/\(cell.losses)"
            })
        }
        out.append("Wins / ties (incl. both bad) / losses\n" + winTable.rendered + "\n")

        var ratingTable = TextTable(header: ["policy", "Bradley-Terry", "95% CI (bootstrap)", "comparisons"])
        for r in ratings {
            ratingTable.rows.append([r.policy, Format.fixed(r.rating, 1), Format.interval(r.lower, r.upper) { Format.fixed($0, 1) }, "\(r.comparisons)"])
        }
        out.append("Ratings (Elo scale, mean 1000; \(bootstrapRounds) bootstrap rounds, seed \(bootstrapSeed))\n" + ratingTable.rendered + "\n")

        for (title, agreement) in [("judgments", judgmentAgreement), ("comparisons", comparisonAgreement)] {
            var lines = ["Agreement on \(title): \(agreement.units) items rated by 2+ reviewers",
                         "  Fleiss' kappa \(Format.fixed(agreement.fleissKappa)) (\(agreement.fleissUnits) items × \(agreement.fleissRaters) reviewers)",
                         "  Krippendorff's alpha (nominal) \(Format.fixed(agreement.krippendorffAlpha))"]
            if !agreement.cohen.isEmpty {
                var pairTable = TextTable(header: ["reviewers", "shared items", "Cohen's kappa"])
                for pair in agreement.cohen { pairTable.rows.append(["\(pair.first) – \(pair.second)", "\(pair.units)", Format.fixed(pair.kappa)]) }
                lines.append(pairTable.rendered)
            }
            out.append(lines.joined(separator: "\n") + "\n")
        }
        out += calibrationText
        out.append(rubricTables)
        return out.joined(separator: "\n")
    }

    /// JSON (this struct), UTF-8 without \u escapes, keys sorted.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return try encoder.encode(self)
    }

    /// One CSV table: `section,key,metric,value` rows (RFC 4180 quoting, text cells
    /// neutralised as `CSV` says), easy to filter in a spreadsheet. Counts are integers.
    public var csv: String {
        var rows = [CSV.line(text: ["section", "key", "metric", "value"])]
        func add(_ section: String, _ key: String, _ metric: String, _ value: Double?) {
            rows.append(CSV.line(text: [section, key, metric], numbers: [CSV.number(value)]))
        }
        func addCount(_ section: String, _ key: String, _ metric: String, _ count: Int) {
            rows.append(CSV.line(text: [section, key, metric], numbers: [CSV.number(count)]))
        }
        if let informativeDraws {
            addCount("informative_draws", "judgments", "left_out_of_rates", informativeDraws.judgmentsLeftOut)
            addCount("informative_draws", "comparisons", "left_out_of_rates", informativeDraws.comparisonsLeftOut)
        }
        for r in reviewers {
            addCount("reviewer", r.name, "judgments", r.judgments)
            addCount("reviewer", r.name, "comparisons", r.comparisons)
            add("reviewer", r.name, "median_seconds", r.medianSeconds)
        }
        for c in correctRates {
            addCount("correct_rate", c.policy, "correct", c.correct)
            addCount("correct_rate", c.policy, "total", c.total)
            add("correct_rate", c.policy, "rate", c.rate)
            add("correct_rate", c.policy, "wilson_lower", c.lower)
            add("correct_rate", c.policy, "wilson_upper", c.upper)
        }
        for (i, a) in policies.enumerated() {
            for (j, b) in policies.enumerated() where i != j {
                let cell = winMatrix.cells[i][j]
                addCount("win_matrix", "\(a) vs \(b)", "wins", cell.wins)
                addCount("win_matrix", "\(a) vs \(b)", "ties", cell.ties)
                addCount("win_matrix", "\(a) vs \(b)", "both_bad", cell.bothBad)
                addCount("win_matrix", "\(a) vs \(b)", "losses", cell.losses)
            }
        }
        for r in ratings {
            add("bradley_terry", r.policy, "rating", r.rating)
            add("bradley_terry", r.policy, "lower", r.lower)
            add("bradley_terry", r.policy, "upper", r.upper)
        }
        for (section, agreement) in [("agreement_judgments", judgmentAgreement), ("agreement_comparisons", comparisonAgreement)] {
            addCount(section, "all", "units", agreement.units)
            add(section, "all", "fleiss_kappa", agreement.fleissKappa)
            add(section, "all", "krippendorff_alpha", agreement.krippendorffAlpha)
            for pair in agreement.cohen { add(section, "\(pair.first) – \(pair.second)", "cohen_kappa", pair.kappa) }
        }
        for row in calibrationCSVRows + rubricCSVRows { rows.append(CSV.line(text: [row.section, row.key, row.metric], numbers: [row.value])) }
        return rows.joined(separator: "\r\n") + "\r\n"
    }
}
