import ArgumentParser
import FeedbackStore
import Foundation
import Support

/// `rounds audit`: the append-only record of promotions, rollbacks, decisions, exports, role
/// changes, gold edits and adjudications.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "List the audit log: who promoted, rolled back, decided, exported, changed roles or gold items, and why.",
        discussion: """
            Actions: \(AuditAction.allCases.map(\.rawValue).joined(separator: ", ")). The night's own actions are \
            recorded as system:nightly, with the login that ran it. The log is append-only: the database refuses to \
            change or delete its rows.
            """)

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Only this action, e.g. promote or gold-add.")
    var action: AuditAction?

    @Option(help: "Only entries by this reviewer, system actor or login.")
    var who: String?

    @OptionGroup var since: SinceOption

    @Option(help: "At most the latest N entries.")
    var limit: Int?

    @Flag(help: "One JSON object per line.")
    var json = false

    func validate() throws {
        if let limit, limit < 1 { throw ValidationError("--limit must be 1 or more, e.g. --limit 50") }
    }

    func run() throws {
        let entries = try database.openExisting().auditEntries(action: action, who: who, since: since.date, limit: limit)
        let dates = ISO8601DateFormatter()
        if json {
            for e in entries {
                let details = (try? JSONSerialization.jsonObject(with: Data(e.details.utf8))) ?? [:]
                var object: [String: Any] = ["id": e.id ?? 0, "at": dates.string(from: e.createdAt), "actor": e.actor, "login": e.login,
                                             "action": e.action.rawValue, "subject": e.subject, "details": details]
                object["reason"] = e.reason
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: data, as: UTF8.self))
            }
            return
        }
        if entries.isEmpty { print("No audit entries\(action == nil && who == nil && since.since == nil ? "" : " match").") }
        for e in entries {
            let clean = { (text: String) in TerminalText.neutralised(text, multiline: false) }
            var line = "\(dates.string(from: e.createdAt))  \(pad(e.action.rawValue, 14))\(clean(e.actor)) (\(clean(e.login)))  \(clean(e.subject))"
            if let reason = e.reason { line += " — \(clean(reason))" }
            if e.details != "{}" { line += "  \(clean(e.details))" }
            print(line)
        }
    }
}

extension AuditAction: ExpressibleByArgument {}
