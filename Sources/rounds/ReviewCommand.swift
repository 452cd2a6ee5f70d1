// `rounds review`: the full-screen tool physicians use to rate sampled answers.

import ArgumentParser
import FeedbackStore
import Foundation
import Review

struct ReviewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Rate sampled answers in a full-screen terminal tool (works over ssh at 80×24).",
        discussion: """
            Register first: rounds reviewer add NAME
            Single answers: c or 1 correct, x or 2 incorrect.
            Pairs: a (A better), b (B better), t (tie), n (both bad).
            Before the rating key, optionally: h harm level, g tags, m comment.
            s skips, u undoes your last rating, ? shows the guidelines, q quits.
            A rating key counts once every answer has been on screen to its last line
            (scroll with PgDn or space); keys typed before a card appears are ignored.
            Every rating is saved the moment its key is pressed. An item you leave unrated
            goes back to the queue when you quit, or after --claim-minutes if the session dies.
            """)

    @Option(help: ArgumentHelp("Your reviewer name, as registered with 'rounds reviewer add NAME' (default: your login name).",
                               valueName: "name"))
    var reviewer: String?

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("The rating guidelines shown under '?' (default: guidelines.md beside the database).",
                               valueName: "path"))
    var guidelines: String?

    @Option(help: ArgumentHelp(
        "Minutes an item you are shown stays reserved for you without a rating; after that another reviewer may take it."
            + " Quitting gives it back at once.", valueName: "minutes"))
    var claimMinutes: Double = FeedbackStore.defaultClaimLifetime / 60

    @Flag(help: .hidden)
    var batch = false

    func validate() throws {
        if let reviewer, reviewer.isEmpty || reviewer.contains(where: \.isWhitespace) {
            throw ValidationError("--reviewer takes a name without spaces, e.g. --reviewer tanaka")
        }
        guard claimMinutes.isFinite, claimMinutes > 0, claimMinutes <= 24 * 60 else {
            throw ValidationError("--claim-minutes must be above 0 and at most 1440 (a day), e.g. --claim-minutes 30")
        }
    }

    /// The login name of the user running the command.
    static func loginName() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return ProcessInfo.processInfo.environment["USER"] ?? "reviewer"
    }

    func run() throws {
        let store = try database.openExisting(claimLifetime: claimMinutes * 60)
        let backend = try withOptionHints { try StoreReviewBackend(store: store, reviewer: reviewer ?? Self.loginName(), databasePath: database.db) }
        let guidePath = guidelines ?? URL(fileURLWithPath: database.db).deletingLastPathComponent().appendingPathComponent("guidelines.md").path
        let session = ReviewSession(backend: backend, reviewer: backend.reviewer.displayName,
                                    guidelines: Guidelines.load(path: guidePath))
        if batch {
            // Keys from standard input, one result line per action on standard output,
            // written at once (not buffered) so a reader sees each rating as it commits.
            try ReviewRunner.runScripted(session, input: 0) { line in
                let bytes = Array((line + "\n").utf8)
                _ = bytes.withUnsafeBytes { Foundation.write(1, $0.baseAddress, $0.count) }
            }
            return
        }
        let terminal = try Terminal()
        let status = try ReviewRunner.runInteractive(session, terminal: terminal)
        if status != 0 { throw ExitCode(status) }
    }
}
