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
            You rate as the reviewer your login is mapped to (rounds reviewer map), else the
            reviewer named like your login. --adjudicate (a lead): settle the items reviewers
            disagree on; the lead's label is what trains, the ratings stay.
            """)

    @Option(help: ArgumentHelp(
        "Your reviewer name (default: the reviewer your login is mapped to, else your login name). Once the database has a lead,"
            + " only your own.", valueName: "name"))
    var reviewer: String?

    @Flag(help: "Settle the items reviewers disagree on (a lead only).")
    var adjudicate = false

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

    func run() throws {
        let store = try database.openExisting(claimLifetime: claimMinutes * 60)
        let actor = try store.actor()
        if adjudicate {
            try store.requireLead(actor, for: "adjudicating")
            let session = AdjudicationSession(backend: StoreAdjudicationBackend(store: store, actor: actor),
                                              lead: actor.reviewer?.displayName ?? actor.login)
            let status = try AdjudicationRunner.runInteractive(session, terminal: try Terminal())
            if status != 0 { throw ExitCode(status) }
            return
        }
        let name = try store.ratingIdentity(actor, asked: reviewer)
        let backend = try StoreReviewBackend(store: store, reviewer: name, databasePath: database.db)
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
