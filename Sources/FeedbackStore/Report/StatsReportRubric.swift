import Foundation
import GRDB
import Support

// Corrections and rubric axes in the statistics report: per policy version, how many of its
// judged answers were corrected, and per rubric axis the share of its answers rated on the
// axis that got each value, each with a Wilson 95% interval.

extension StatsReport {
    public struct CorrectionCount: Codable, Sendable, Hashable {
        public var policy: String
        /// Live corrections of the policy's answers, and live judgments of them.
        public var corrections: Int
        public var judged: Int
        public var rate: Double?
        /// Wilson 95% interval on corrections / judged.
        public var lower: Double?
        public var upper: Double?
    }

    public struct AxisRate: Codable, Sendable, Hashable {
        public var axis: String
        public var value: String
        public var policy: String
        /// Answers of `policy` rated `value` on `axis`, of `rated` rated on the axis at all.
        public var count: Int
        public var rated: Int
        public var rate: Double?
        /// Wilson 95% interval on count / rated.
        public var lower: Double?
        public var upper: Double?
    }
}

extension FeedbackStore {
    /// Corrections per policy (against `judged`, the live judgments per policy the report
    /// already counted) and rubric rates per axis, value and policy, from live judgments made
    /// at or after `since`. Harm extent comes from the judgments' harm level.
    static func rubricStatistics(
        _ db: Database, since: Date?, policies: [Policy], judged: [Int]
    ) throws -> (corrections: [StatsReport.CorrectionCount], axes: [StatsReport.AxisRate]) {
        let index = Dictionary(uniqueKeysWithValues: policies.enumerated().map { ($1.id!, $0) })
        let sinceSQL = since == nil ? "" : " AND j.created_at >= ?"
        let arguments: StatementArguments = since.map { [$0] } ?? []
        let fromLive = "JOIN samples s ON s.id = j.sample_id WHERE \(live("j", "judgments"))\(sinceSQL)"

        var corrected = [Int](repeating: 0, count: policies.count)
        for row in try Row.fetchAll(db, sql: """
            SELECT s.policy_id, count(*) FROM corrections c JOIN judgments j ON j.id = c.judgment_id \(fromLive) GROUP BY s.policy_id
            """, arguments: arguments) {
            if let p = index[row[0] as Int64] { corrected[p] = row[1] as Int }
        }
        let corrections = policies.indices.map { p in
            let interval = Stats.wilsonInterval(successes: corrected[p], total: judged[p])
            return StatsReport.CorrectionCount(
                policy: policies[p].name, corrections: corrected[p], judged: judged[p],
                rate: judged[p] > 0 ? Double(corrected[p]) / Double(judged[p]) : nil, lower: interval?.lower, upper: interval?.upper)
        }

        // (axis, policy) → value → count
        var counts: [String: [Int: [String: Int]]] = [:]
        for row in try Row.fetchAll(db, sql: """
            SELECT x.axis, s.policy_id, x.value, count(*) FROM judgment_axes x JOIN judgments j ON j.id = x.judgment_id \(fromLive)
            GROUP BY 1, 2, 3
            """, arguments: arguments) {
            if let p = index[row[1] as Int64] { counts[row[0] as String, default: [:]][p, default: [:]][row[2] as String, default: 0] += row[3] as Int }
        }
        for row in try Row.fetchAll(db, sql: """
            SELECT s.policy_id, j.harm, count(*) FROM judgments j \(fromLive) AND j.harm IS NOT NULL GROUP BY 1, 2
            """, arguments: arguments) {
            guard let p = index[row[0] as Int64], let harm = HarmLevel(rawValue: row[1] as String) else { continue }
            counts[HarmExtent.axis, default: [:]][p, default: [:]][HarmExtent(harm).rawValue, default: 0] += row[2] as Int
        }
        var axes: [StatsReport.AxisRate] = []
        for axis in counts.keys.sorted() {
            let byPolicy = counts[axis]!
            // Harm extent in its own order; other axes' values as spelled, every value seen
            // for any policy shown for each policy rated on the axis (0 counts too).
            let values = axis == HarmExtent.axis ? HarmExtent.allCases.map(\.rawValue)
                : Set(byPolicy.values.flatMap(\.keys)).sorted()
            for value in values {
                for p in byPolicy.keys.sorted() {
                    let rated = byPolicy[p]!.values.reduce(0, +)
                    let count = byPolicy[p]![value] ?? 0
                    let interval = Stats.wilsonInterval(successes: count, total: rated)
                    axes.append(StatsReport.AxisRate(
                        axis: axis, value: value, policy: policies[p].name, count: count, rated: rated,
                        rate: rated > 0 ? Double(count) / Double(rated) : nil, lower: interval?.lower, upper: interval?.upper))
                }
            }
        }
        return (corrections, axes)
    }
}

extension StatsReport {
    /// The text report's sections on corrections and rubric axes.
    var rubricTables: String {
        var corrections = TextTable(header: ["policy", "corrected", "judged", "share", "95% CI (Wilson)"])
        for c in self.corrections {
            corrections.rows.append([c.policy, "\(c.corrections)", "\(c.judged)", Format.percent(c.rate), Format.interval(c.lower, c.upper, Format.percent)])
        }
        var axes = TextTable(header: ["axis", "value", "policy", "answers", "rated on axis", "share", "95% CI (Wilson)"])
        for a in self.axes {
            axes.rows.append([TerminalText.neutralised(a.axis, multiline: false), TerminalText.neutralised(a.value, multiline: false),
                              a.policy, "\(a.count)", "\(a.rated)", Format.percent(a.rate), Format.interval(a.lower, a.upper, Format.percent)])
        }
        return "Corrections per policy version (answers a reviewer rewrote)\n" + corrections.rendered + "\n\n"
            + "Rubric axes per policy version (share of the answers rated on the axis)\n"
            + (self.axes.isEmpty ? "  no rubric ratings yet\n" : axes.rendered + "\n")
    }

    /// CSV rows of the same (`section,key,metric,value`).
    var rubricCSVRows: [(section: String, key: String, metric: String, value: String)] {
        var rows: [(section: String, key: String, metric: String, value: String)] = []
        func add(_ section: String, _ key: String, _ metric: String, _ value: Double?) {
            rows.append((section, key, metric, CSV.number(value)))
        }
        func add(_ section: String, _ key: String, _ metric: String, _ count: Int) {
            rows.append((section, key, metric, CSV.number(count)))
        }
        for c in corrections {
            add("corrections", c.policy, "corrections", c.corrections)
            add("corrections", c.policy, "judged", c.judged)
            add("corrections", c.policy, "rate", c.rate)
            add("corrections", c.policy, "wilson_lower", c.lower)
            add("corrections", c.policy, "wilson_upper", c.upper)
        }
        for a in axes {
            let key = "\(a.axis)=\(a.value) \(a.policy)"
            add("axis", key, "count", a.count)
            add("axis", key, "rated", a.rated)
            add("axis", key, "rate", a.rate)
            add("axis", key, "wilson_lower", a.lower)
            add("axis", key, "wilson_upper", a.upper)
        }
        return rows
    }

    /// The HTML report's tables of the same.
    var rubricHTML: String {
        let cell = { (text: String) in "<td>\(escape(text))</td>" }
        let number = { (text: String) in "<td class=\"n\">\(escape(text))</td>" }
        var html = "<h2>Corrections per policy version (Wilson 95%)</h2>\n<table><tr><th>policy</th><th>corrected</th><th>judged</th><th>share</th><th>95% CI</th></tr>"
        for c in corrections {
            html += "<tr>" + cell(c.policy) + number("\(c.corrections)") + number("\(c.judged)") + number(Format.percent(c.rate))
                + number(Format.interval(c.lower, c.upper, Format.percent)) + "</tr>"
        }
        html += "</table>\n<h2>Rubric axes per policy version (Wilson 95%)</h2>\n"
        html += "<table><tr><th>axis</th><th>value</th><th>policy</th><th>answers</th><th>rated on axis</th><th>share</th><th>95% CI</th></tr>"
        for a in axes {
            html += "<tr>" + cell(a.axis) + cell(a.value) + cell(a.policy) + number("\(a.count)") + number("\(a.rated)")
                + number(Format.percent(a.rate)) + number(Format.interval(a.lower, a.upper, Format.percent)) + "</tr>"
        }
        return html + "</table>"
    }
}
