import Foundation
import GRDB
import Testing
@testable import FeedbackStore

@Suite struct RolesAuditTests {
    @Test func aNewDatabaseIsOpenUntilItsFirstLead() throws {
        let store = try FeedbackStore.inMemory()
        let anyone = Caller(login: "anyone")
        #expect(try !store.hasLead())
        try store.requireLead(anyone, for: "promoting a policy")   // set-up: allowed
        try store.addReviewer(name: "tanaka", by: anyone)
        let boss = try store.addReviewer(name: "boss", role: .lead, by: anyone)
        #expect(try store.hasLead() && store.role(of: "boss") == .lead)
        // From now on only a lead: the login "anyone" is nobody's, tanaka is not a lead.
        #expect(throws: AccessError.self) { try store.requireLead(anyone, for: "promoting a policy") }
        #expect(throws: AccessError.self) { try store.addReviewer(name: "sato", by: try store.actor(login: "tanaka")) }
        let lead = try store.actor(login: "boss")
        #expect(lead.reviewer?.id == boss.id && lead.isLead)
        try store.addReviewer(name: "sato", by: lead)
        // The first lead is recorded as such.
        #expect(try store.auditEntries(action: .reviewerAdd).map(\.reason) == [nil, "first lead of this database", nil])
    }

    @Test func loginsMapToReviewersAndNobodyRatesAsSomeoneElse() throws {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store, name: "boss")
        try store.addReviewer(name: "dr-tanaka", displayName: "田中 花子", by: lead)
        // Unmapped, a login is the reviewer of its own name (none here).
        #expect(try store.actor(login: "htanaka").reviewer == nil)
        try store.mapLogin("htanaka", to: "dr-tanaka", by: lead, reason: "hospital login")
        let tanaka = try store.actor(login: "htanaka")
        #expect(tanaka.reviewer?.name == "dr-tanaka" && tanaka.role == .reviewer)
        #expect(try store.ratingIdentity(tanaka, asked: nil) == "dr-tanaka")
        #expect(try store.ratingIdentity(tanaka, asked: "dr-tanaka") == "dr-tanaka")
        #expect(throws: AccessError.self) { try store.ratingIdentity(tanaka, asked: "boss") }
        #expect(throws: AccessError.self) { try store.mapLogin("x", to: "boss", by: tanaka) }
        let entry = try #require(try store.auditEntries(action: .loginMap).last)
        #expect(entry.subject == "htanaka" && entry.actor == "boss" && entry.reason == "hospital login" && entry.details.contains("dr-tanaka"))
    }

    @Test func rolesChangeByALeadAndTheLastLeadStays() throws {
        let store = try FeedbackStore.inMemory()
        let lead = try makeLead(store, name: "boss")
        try store.addReviewer(name: "sato", by: lead)
        #expect(throws: AccessError.lastLead("boss")) { try store.setRole(.reviewer, of: "boss", by: lead) }
        try store.setRole(.lead, of: "sato", by: lead, reason: "second lead")
        try store.setRole(.reviewer, of: "boss", by: lead)
        #expect(try store.role(of: "boss") == .reviewer && store.role(of: "sato") == .lead)
        #expect(throws: AccessError.self) { try store.setRole(.lead, of: "boss", by: try store.actor(login: "boss")) }
        let changes = try store.auditEntries(action: .roleChange)
        #expect(changes.map(\.subject) == ["sato", "boss"])
        #expect(changes[0].details == #"{"from":"reviewer","to":"lead"}"#)
    }

    @Test func theAuditLogIsAppendOnlyAndFilters() throws {
        let clock = TestClock()
        let store = try FeedbackStore.inMemory(now: { clock.now })
        try store.audit(.promote, actor: "boss", login: "boss", subject: "nightly-3", reason: "gates passed")
        clock.advance(3600)
        let cut = clock.now
        try store.audit(.export, actor: "sato", login: "sato", subject: "pairs.jsonl", details: ["rows": "12"])
        try store.audit(.promote, actor: AuditEntry.system("nightly"), login: "cron", subject: "nightly-4", reason: "offline mode")
        #expect(try store.auditEntries().count == 3)
        #expect(try store.auditEntries(action: .promote).map(\.subject) == ["nightly-3", "nightly-4"])
        #expect(try store.auditEntries(who: "cron").map(\.actor) == ["system:nightly"])
        #expect(try store.auditEntries(since: cut).map(\.action) == [.export, .promote])
        for sql in ["UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"] {
            #expect(throws: DatabaseError.self) { try store.write { db in try db.execute(sql: sql) } }
        }
        #expect(try store.auditEntries().map(\.actor) == ["boss", "sato", "system:nightly"])
    }
}
