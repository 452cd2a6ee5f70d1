import FeedbackStore
import Foundation
import GRDB
import Testing
@testable import Review
#if canImport(Glibc)
import Glibc
#endif

/// Many reviewers at once, and a reviewer killed mid-session, through the real binary in
/// its scripted mode (`--batch`: keys on standard input, the same session code).
@Suite(.serialized) struct ReviewLoadTests {
    @Test func eightReviewersFiveHundredRatingsEach() throws {
        // Given answers each wanted from two reviewers, enough that even the slowest
        // reviewer finds 500 new ones: the other seven, working in pairs, can fill at most
        // ⌈7 × 501 / 2⌉ = 1,754 items (501: each ends holding one claimed, unrated card
        // until it quits),
        // so 1,754 + 501 = 2,255 items always suffice,
        let reviewers = (1...8).map { "reviewer\($0)" }
        let database = try ReviewDatabase(reviewers: reviewers, judgments: 2_300, overlap: 2)
        defer { database.remove() }

        // when eight processes each press "c" 500 times at once (all started before any
        // is read from),
        let processes = try reviewers.map { try RoundsProcess(["review", "--batch", "--reviewer", $0, "--db", database.path]) }
        for process in processes { try process.finishInput(String(repeating: "c", count: 500)) }
        let results = processes.map { $0.wait() }

        // then every process succeeded with 500 ratings,
        for (i, result) in results.enumerated() {
            let (code, output, error) = result
            #expect(code == 0, "\(reviewers[i]): \(error)")
            #expect(error.isEmpty, "\(reviewers[i]): \(error)")
            #expect(output.split(separator: "\n").filter { $0.hasPrefix("rated ") }.count == 500,
                    "\(reviewers[i]): \(output.split(separator: "\n").filter { !$0.hasPrefix("rated ") }.prefix(5))")
        }
        // and the database holds exactly 4,000 ratings, 500 per reviewer, no item given
        // twice to one reviewer nor to more reviewers than it wanted, and each rating on
        // its own assignment.
        try database.read { (db: Database) throws in
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM judgments") == 4_000)
            #expect(try Int.fetchAll(db, sql: "SELECT COUNT(*) FROM judgments GROUP BY reviewer_id") == Array(repeating: 500, count: 8))
            #expect(try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT 1 FROM review_assignments GROUP BY item_id, reviewer_id HAVING COUNT(*) > 1)
                """) == 0)
            #expect(try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM review_items i
                WHERE (SELECT COUNT(*) FROM review_assignments a WHERE a.item_id = i.id AND a.state IN ('open', 'done')) > i.overlap
                """) == 0)
            // Each process gave back the card it held when its input ended.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_assignments WHERE state = 'open'") == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM review_assignments WHERE state = 'released'") == 8)
            #expect(try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM (SELECT 1 FROM judgments GROUP BY assignment_id HAVING COUNT(*) > 1)
                """) == 0)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            // The reviewers really worked at the same time: their ratings interleave.
            let order = try Int64.fetchAll(db, sql: "SELECT reviewer_id FROM judgments ORDER BY id")
            #expect(zip(order, order.dropFirst()).filter { $0 != $1 }.count > 100)
        }
    }

    @Test func killedReviewerKeepsEveryRatingMadeBeforeTheKill() throws {
        let database = try ReviewDatabase(reviewers: ["tanaka"], judgments: 200)
        defer { database.remove() }
        let process = try RoundsProcess(["review", "--batch", "--reviewer", "tanaka", "--db", database.path])

        // Rate twenty cards, reading each acknowledgement, then send a burst of keys and
        // kill the process while it is working through them.
        var acknowledged: Set<Int64> = []
        var buffer = ""
        func readAcknowledgements(until count: Int) {
            while acknowledged.count < count {
                let data = process.output.availableData
                if data.isEmpty { return }
                buffer += String(decoding: data, as: UTF8.self)
                while let newline = buffer.firstIndex(of: "\n") {
                    let line = buffer[..<newline].split(separator: " ")
                    buffer.removeSubrange(...newline)
                    if line.first == "rated", let id = Int64(line[1]) { acknowledged.insert(id) }
                }
            }
        }
        for _ in 0..<20 {
            process.input.write(Data("c".utf8))
            readAcknowledgements(until: acknowledged.count + 1)
        }
        process.input.write(Data(String(repeating: "x", count: 100).utf8))
        usleep(20_000)
        kill(process.pid, SIGKILL)
        let status = waitForProcess(process.pid, timeout: 10)
        #expect(status.map { $0 & 0x7F } == SIGKILL)

        #expect(acknowledged.count == 20)
        try database.read { (db: Database) throws in
            let stored = Set(try Int64.fetchAll(db, sql: "SELECT assignment_id FROM judgments"))
            #expect(acknowledged.isSubset(of: stored))
            #expect(stored.count >= 20)
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
        }
    }

    @Test func aKilledReviewersClaimLapsesToAnotherReviewer() throws {
        // Given tanaka's process killed after one rating, idle with the next card claimed
        let database = try ReviewDatabase(reviewers: ["tanaka", "sato"], judgments: 5)
        defer { database.remove() }
        let process = try RoundsProcess(["review", "--batch", "--reviewer", "tanaka", "--db", database.path])
        process.input.write(Data("c".utf8))
        var output = ""
        while !output.contains("rated ") {
            let data = process.output.availableData
            if data.isEmpty { break }
            output += String(decoding: data, as: UTF8.self)
        }
        kill(process.pid, SIGKILL)
        #expect(waitForProcess(process.pid, timeout: 10).map { $0 & 0x7F } == SIGKILL)

        // Then the card it held is still claimed (nobody could give it back), for the lifetime
        let held = try #require(try database.read { db in
            try Row.fetchOne(db, sql: "SELECT item_id, expires_at FROM review_assignments WHERE state = 'open'")
        })
        let expiry: Date = try #require(held["expires_at"])
        #expect(abs(expiry.timeIntervalSinceNow - FeedbackStore.defaultClaimLifetime) < 60)
        #expect(try FeedbackStore(path: database.path).releaseLapsedClaims() == 0)
        // And once it has lapsed, sato's next item is exactly that one
        let later = try FeedbackStore(path: database.path, now: { expiry + 1 })
        let sato = try #require(try later.reviewer(named: "sato"))
        #expect(try later.nextItem(for: sato)?.itemID == held["item_id"])
    }
}
