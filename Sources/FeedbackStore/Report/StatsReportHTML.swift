import Foundation

// One self-contained HTML file: inline CSS and inline SVG, no scripts, no network. Every
// piece of text from the database goes through `escape`, so names and prompts in any
// language (or with markup in them) show as written.
extension StatsReport {
    public var html: String {
        let sinceText = since.map { " since " + ISO8601DateFormatter().string(from: $0) } ?? ""
        return """
            <!DOCTYPE html>
            <html lang="ja">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Rounds feedback statistics</title>
            <style>
            body { font-family: system-ui, "Hiragino Sans", "Noto Sans CJK JP", sans-serif; margin: 2rem; color: #222; max-width: 60rem; }
            h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; border-bottom: 1px solid #ddd; }
            table { border-collapse: collapse; margin: 0.5rem 0; } td, th { padding: 0.2rem 0.6rem; border-bottom: 1px solid #eee; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; } .note { color: #666; font-size: 0.85rem; }
            svg text { font-size: 11px; font-family: inherit; }
            </style>
            </head>
            <body>
            <h1>Rounds feedback statistics\(escape(sinceText))</h1>
            <p class="note">Generated \(escape(ISO8601DateFormatter().string(from: generatedAt))). Only the latest ratings that still count (not superseded, not retracted).</p>
            <h2>Correct rate per policy version (Wilson 95%)</h2>
            \(correctRateChart)
            \(correctRateTable)
            \(informativeDraws.map { "<p class=\"note\">\(escape($0.sentence))</p>" } ?? "")
            <h2>Wins between policy versions (row vs column)</h2>
            \(winHeatMap)
            <h2>Bradley-Terry ratings (Elo scale, \(bootstrapRounds) bootstrap rounds, seed \(bootstrapSeed))</h2>
            \(ratingTable)
            <h2>Reviewer throughput</h2>
            \(throughputChart)
            <h2>Agreement</h2>
            \(agreementSection("Judgments (correct / incorrect)", judgmentAgreement))
            \(agreementSection("Comparisons (first / second / tie / both bad)", comparisonAgreement))
            \(calibrationHTML)
            \(rubricHTML)
            </body>
            </html>

            """
    }

    private var correctRateChart: String {
        let width = 560.0, height = 220.0, left = 50.0, bottom = 30.0, top = 10.0
        let n = max(correctRates.count, 1)
        let step = (width - left - 20) / Double(n)
        func y(_ v: Double) -> Double { top + (1 - v) * (height - top - bottom) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"correct rate per policy version\">"
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += "<line x1=\"\(left)\" x2=\"\(width - 10)\" y1=\"\(y(tick))\" y2=\"\(y(tick))\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(left - 6)\" y=\"\(y(tick) + 4)\" text-anchor=\"end\">\(Int(tick * 100))%</text>"
        }
        var points: [String] = []
        for (i, c) in correctRates.enumerated() {
            let x = left + step * (Double(i) + 0.5)
            svg += "<text x=\"\(x)\" y=\"\(height - 10)\" text-anchor=\"middle\">\(escape(c.policy))</text>"
            guard let rate = c.rate, let lo = c.lower, let hi = c.upper else { continue }
            svg += "<line x1=\"\(x)\" x2=\"\(x)\" y1=\"\(y(lo))\" y2=\"\(y(hi))\" stroke=\"#4a78b5\" stroke-width=\"2\"/>"
            svg += "<circle cx=\"\(x)\" cy=\"\(y(rate))\" r=\"4\" fill=\"#1f4e8c\"><title>\(escape(c.policy)): \(Format.percent(rate)) of \(c.total)</title></circle>"
            points.append("\(x),\(y(rate))")
        }
        if points.count > 1 { svg += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"#1f4e8c\" stroke-opacity=\"0.4\"/>" }
        return svg + "</svg>"
    }

    private var correctRateTable: String {
        "<table><tr><th>policy</th><th>correct</th><th>judged</th><th>rate</th><th>95% CI</th></tr>"
            + correctRates.map { c in
                "<tr><td>\(escape(c.policy))</td><td class=\"n\">\(c.correct)</td><td class=\"n\">\(c.total)</td><td class=\"n\">\(Format.percent(c.rate))</td><td class=\"n\">\(Format.interval(c.lower, c.upper, Format.percent))</td></tr>"
            }.joined() + "</table>"
    }

    /// Cells coloured by the row version's score against the column version (white 0.5,
    /// blue above, red below).
    private var winHeatMap: String {
        let cell = 70.0, left = 90.0, top = 24.0
        let n = Double(policies.count)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(left + cell * n + 10))\" height=\"\(Int(top + cell * n + 10))\" role=\"img\" aria-label=\"win matrix\">"
        for (j, policy) in policies.enumerated() {
            svg += "<text x=\"\(left + cell * (Double(j) + 0.5))\" y=\"16\" text-anchor=\"middle\">\(escape(policy))</text>"
        }
        for (i, policy) in policies.enumerated() {
            let y = top + cell * Double(i)
            svg += "<text x=\"\(left - 6)\" y=\"\(y + cell / 2 + 4)\" text-anchor=\"end\">\(escape(policy))</text>"
            for j in policies.indices {
                let x = left + cell * Double(j)
                let c = winMatrix.cells[i][j]
                var fill = "#f4f4f4"
                if let score = c.score, i != j {
                    let t = min(1, abs(score - 0.5) * 2)
                    let (r, g, b) = score >= 0.5 ? (255 - 180 * t, 255 - 120 * t, 255.0) : (255.0, 255 - 150 * t, 255 - 150 * t)
                    fill = "rgb(\(Int(r)),\(Int(g)),\(Int(b)))"
                }
                svg += "<rect x=\"\(x)\" y=\"\(y)\" width=\"\(cell - 2)\" height=\"\(cell - 2)\" fill=\"\(fill)\"><title>\(escape(policy)) vs \(escape(policies[j])): \(c.wins) wins, \(c.ties) ties, \(c.bothBad) both bad, \(c.losses) losses</title></rect>"
                if i != j && c.total > 0 {
                    svg += "<text x=\"\(x + cell / 2 - 1)\" y=\"\(y + cell / 2 - 2)\" text-anchor=\"middle\">\(Format.percent(c.score))</text>"
                    svg += "<text x=\"\(x + cell / 2 - 1)\" y=\"\(y + cell / 2 + 12)\" text-anchor=\"middle\" fill=\"#555\">\(c.wins)/\(c.ties + c.bothBad)/\(c.losses)</text>"
                }
            }
        }
        return svg + "</svg><p class=\"note\">Cell: row's score (wins + half of ties and both-bad) and W/T/L counts.</p>"
    }

    private var ratingTable: String {
        "<table><tr><th>policy</th><th>rating</th><th>95% CI</th><th>comparisons</th></tr>"
            + ratings.map { r in
                "<tr><td>\(escape(r.policy))</td><td class=\"n\">\(Format.fixed(r.rating, 1))</td><td class=\"n\">\(Format.interval(r.lower, r.upper) { Format.fixed($0, 1) })</td><td class=\"n\">\(r.comparisons)</td></tr>"
            }.joined() + "</table>"
    }

    private var throughputChart: String {
        let barHeight = 22.0, left = 160.0, width = 560.0
        let most = Double(reviewers.map { $0.judgments + $0.comparisons }.max() ?? 0)
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(barHeight * Double(reviewers.count) + 10))\" role=\"img\" aria-label=\"ratings per reviewer\">"
        for (i, r) in reviewers.enumerated() {
            let y = barHeight * Double(i) + 4
            let scale = most > 0 ? (width - left - 120) / most : 0
            let wj = Double(r.judgments) * scale, wc = Double(r.comparisons) * scale
            svg += "<text x=\"\(left - 6)\" y=\"\(y + 14)\" text-anchor=\"end\">\(escape(r.displayName))</text>"
            svg += "<rect x=\"\(left)\" y=\"\(y)\" width=\"\(wj)\" height=\"\(barHeight - 6)\" fill=\"#4a78b5\"><title>\(r.judgments) judgments</title></rect>"
            svg += "<rect x=\"\(left + wj)\" y=\"\(y)\" width=\"\(wc)\" height=\"\(barHeight - 6)\" fill=\"#e39b3b\"><title>\(r.comparisons) comparisons</title></rect>"
            svg += "<text x=\"\(left + wj + wc + 6)\" y=\"\(y + 14)\">\(r.judgments + r.comparisons) · median \(Format.fixed(r.medianSeconds, 1)) s</text>"
        }
        return svg + "</svg><p class=\"note\">Blue: judgments; orange: comparisons.</p>"
    }

    private func agreementSection(_ title: String, _ a: Agreement) -> String {
        "<h3>\(escape(title))</h3><p>\(a.units) items rated by two or more reviewers. Fleiss' κ \(Format.fixed(a.fleissKappa)) (\(a.fleissUnits) items × \(a.fleissRaters) reviewers); Krippendorff's α (nominal) \(Format.fixed(a.krippendorffAlpha)).</p>"
            + (a.cohen.isEmpty ? "" : "<table><tr><th>reviewers</th><th>shared items</th><th>Cohen's κ</th></tr>"
                + a.cohen.map { "<tr><td>\(escape($0.first)) – \(escape($0.second))</td><td class=\"n\">\($0.units)</td><td class=\"n\">\(Format.fixed($0.kappa))</td></tr>" }.joined()
                + "</table>")
    }
}

/// HTML text escaping (the five characters with meaning in markup and attributes).
func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(ch)
        }
    }
    return out
}
