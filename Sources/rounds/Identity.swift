import ArgumentParser
import FeedbackStore

/// Who runs a command, by OS login (Roles in the store): what a lead alone may do is checked
/// here, before anything is changed.
enum Identity {
    /// The caller, who must be a lead for `action` (anyone may, while the database has no lead).
    static func lead(_ store: FeedbackStore, for action: String) throws -> Caller {
        let actor = try store.actor()
        try store.requireLead(actor, for: action)
        return actor
    }

    /// The name recorded as deciding: `by` when given — which, once the database has a lead,
    /// must be the caller's own reviewer name — else the caller's.
    static func decider(_ store: FeedbackStore, by: String?, for action: String) throws -> (actor: Caller, name: String) {
        let actor = try lead(store, for: action)
        guard let by, by != actor.name else { return (actor, actor.name) }
        if try store.hasLead() {
            throw ValidationError("--by \(by): you act as '\(actor.name)' (login \(actor.login)); a decision is recorded under your own name. Leave out --by.")
        }
        return (actor, by)
    }
}
