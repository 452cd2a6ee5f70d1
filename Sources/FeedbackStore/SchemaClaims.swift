import GRDB

// Migration v2: claims that lapse, and queue counts kept by triggers.
//
// A claim (an open assignment) now carries `expires_at`. A reviewer who claims an item and
// disappears (dropped ssh, killed process) no longer holds the slot for ever: the next claim
// by anyone releases lapsed claims first (state 'released', the slot goes back). The same
// reviewer gets a released item back while its slot is still free; once someone else has
// taken it, their late rating is refused. UNIQUE (item_id, reviewer_id) still keeps one
// reviewer to one assignment per item, so nobody rates an item twice.
//
// Slot accounting moves into triggers so no code path can get it wrong: `claimed` is the
// number of assignments that hold a slot (open or done), and CHECK (claimed <= overlap)
// aborts any write that would hand out one slot too many. Two counts make a reviewer's
// progress O(1) instead of O(open items):
//   queue_counts.open_items          items with a free slot
//   reviewer_queue.items_had_open    items with a free slot this reviewer has an assignment on
// Items left for reviewer R = open_items − items_had_open(R) + R's open assignments + R's
// released assignments on items with a free slot (both of those are few, from partial
// indexes). `claimed` changes for one item touch at most K reviewer rows.

extension Schema {
    /// States of an assignment that occupy one of the item's K slots.
    static let holdingStates = "('open', 'done')"

    static func claimsAndCounts(_ db: Database) throws {
        // SQLite cannot change a CHECK constraint in place: rebuild the table
        // (https://www.sqlite.org/lang_altertable.html#otheralter). Foreign keys are off
        // during GRDB migrations and checked before commit.
        try db.execute(sql: """
            CREATE TABLE review_assignments_v2 (
              id INTEGER PRIMARY KEY,
              item_id INTEGER NOT NULL REFERENCES review_items(id),
              reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
              a_sample_id INTEGER NOT NULL REFERENCES samples(id),  -- shown as A (left), or the judged answer
              b_sample_id INTEGER REFERENCES samples(id),           -- shown as B (right)
              state TEXT NOT NULL CHECK (state IN ('open', 'done', 'skipped', 'released')),
              claimed_at DATETIME NOT NULL,
              opened_at DATETIME NOT NULL,                          -- claimed, reclaimed, or reopened by an undo
              expires_at DATETIME,                                  -- an open claim lapses then (NULL: never)
              UNIQUE (item_id, reviewer_id)                         -- never the same item twice
            );
            INSERT INTO review_assignments_v2 (id, item_id, reviewer_id, a_sample_id, b_sample_id, state, claimed_at, opened_at, expires_at)
            SELECT id, item_id, reviewer_id, a_sample_id, b_sample_id, state, claimed_at, opened_at,
                   CASE state WHEN 'open' THEN strftime('%Y-%m-%d %H:%M:%f', opened_at, '+\(Int(FeedbackStore.defaultClaimLifetime)) seconds') END
            FROM review_assignments;
            DROP TABLE review_assignments;
            ALTER TABLE review_assignments_v2 RENAME TO review_assignments;
            CREATE INDEX review_assignments_open ON review_assignments(reviewer_id, opened_at) WHERE state = 'open';
            CREATE INDEX review_assignments_expiry ON review_assignments(expires_at) WHERE state = 'open';
            CREATE INDEX review_assignments_released ON review_assignments(reviewer_id, item_id) WHERE state = 'released';
            """)
        // "Done today" counts a reviewer's ratings since midnight that still count: with
        // `retracted` in the index the count never reads the rating rows themselves.
        try db.execute(sql: """
            DROP INDEX judgments_reviewer;
            CREATE INDEX judgments_reviewer ON judgments(reviewer_id, created_at, retracted);
            DROP INDEX comparisons_reviewer;
            CREATE INDEX comparisons_reviewer ON comparisons(reviewer_id, created_at, retracted);
            """)
        // `claimed` recounted from the assignments, so databases written before the
        // triggers start from the truth.
        try db.execute(sql: """
            UPDATE review_items SET claimed =
              (SELECT count(*) FROM review_assignments a WHERE a.item_id = review_items.id AND a.state IN \(holdingStates));
            CREATE TABLE queue_counts (
              id INTEGER PRIMARY KEY CHECK (id = 1),
              open_items INTEGER NOT NULL CHECK (open_items >= 0)
            );
            INSERT INTO queue_counts (id, open_items) SELECT 1, count(*) FROM review_items WHERE claimed < overlap;
            CREATE TABLE reviewer_queue (
              reviewer_id INTEGER PRIMARY KEY REFERENCES reviewers(id),
              items_had_open INTEGER NOT NULL DEFAULT 0 CHECK (items_had_open >= 0)
            );
            INSERT INTO reviewer_queue (reviewer_id, items_had_open)
            SELECT r.id, (SELECT count(*) FROM review_assignments a JOIN review_items i ON i.id = a.item_id
                          WHERE a.reviewer_id = r.id AND i.claimed < i.overlap)
            FROM reviewers r;

            CREATE TRIGGER reviewers_queue_row AFTER INSERT ON reviewers
            BEGIN INSERT INTO reviewer_queue (reviewer_id) VALUES (NEW.id); END;

            -- A new assignment: the reviewer has had the item (counted while it is open),
            -- then it takes a slot if it holds one (which may close the item, below).
            CREATE TRIGGER review_assignments_counts AFTER INSERT ON review_assignments BEGIN
              UPDATE reviewer_queue SET items_had_open = items_had_open + 1
              WHERE reviewer_id = NEW.reviewer_id
                AND (SELECT claimed < overlap FROM review_items WHERE id = NEW.item_id);
              UPDATE review_items SET claimed = claimed + 1
              WHERE id = NEW.item_id AND NEW.state IN \(holdingStates);
            END;
            CREATE TRIGGER review_assignments_slot AFTER UPDATE OF state ON review_assignments
            WHEN (OLD.state IN \(holdingStates)) <> (NEW.state IN \(holdingStates)) BEGIN
              UPDATE review_items SET claimed = claimed + (CASE WHEN NEW.state IN \(holdingStates) THEN 1 ELSE -1 END)
              WHERE id = NEW.item_id;
            END;
            CREATE TRIGGER review_assignments_fixed BEFORE UPDATE OF item_id, reviewer_id ON review_assignments
            BEGIN SELECT RAISE(ABORT, 'an assignment keeps its item and reviewer; claim a new one instead'); END;
            CREATE TRIGGER review_assignments_no_delete BEFORE DELETE ON review_assignments
            BEGIN SELECT RAISE(ABORT, 'assignments are kept; release or skip instead of deleting'); END;

            CREATE TRIGGER review_items_counts_insert AFTER INSERT ON review_items WHEN NEW.claimed < NEW.overlap
            BEGIN UPDATE queue_counts SET open_items = open_items + 1; END;
            -- An item gaining or losing its last free slot: the global count and every
            -- reviewer who has had it (at most K of them, through UNIQUE (item_id, reviewer_id)).
            CREATE TRIGGER review_items_counts_update AFTER UPDATE OF claimed, overlap ON review_items
            WHEN (OLD.claimed < OLD.overlap) <> (NEW.claimed < NEW.overlap) BEGIN
              UPDATE queue_counts SET open_items = open_items + (CASE WHEN NEW.claimed < NEW.overlap THEN 1 ELSE -1 END);
              UPDATE reviewer_queue SET items_had_open = items_had_open + (CASE WHEN NEW.claimed < NEW.overlap THEN 1 ELSE -1 END)
              WHERE reviewer_id IN (SELECT reviewer_id FROM review_assignments WHERE item_id = NEW.id);
            END;
            CREATE TRIGGER review_items_no_delete BEFORE DELETE ON review_items
            BEGIN SELECT RAISE(ABORT, 'queue items are kept; they leave the queue when every slot is rated'); END;
            """)
    }
}
