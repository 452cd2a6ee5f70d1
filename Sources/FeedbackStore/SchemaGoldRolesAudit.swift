import GRDB

// Migration v5: roles, login mapping, the audit log, gold items and adjudications.
//
// Roles. Every reviewer has a role, `reviewer` or `lead` (Roles/). A person acts as the
// reviewer their OS login is mapped to (`reviewer_logins`), or else the reviewer whose
// name is their login.
//
// Audit. `audit_log` is append-only (triggers refuse UPDATE and DELETE): promotions,
// rollbacks, decisions, exports, role changes and gold edits, each with who, the OS login,
// when, what and why.
//
// Gold items. A lead stores answers with a known verdict (or pairs with a known
// preference); their texts are samples of the reserved policy `GoldItems.policyName`, so
// statistics, exports and training leave them out by policy. They reach reviewers through
// the queue itself: after every ordinary item queued, a trigger queues a copy of a gold item
// of the same kind with probability share / (1 − share) (`gold_share` in `settings`), with
// the same number of reviewers wanted and the next id. A gold card is drawn by the same
// query, numbered in the same sequence and counted in the same progress figures as any other
// card. Gold copies are exempt from the one-item-per-answer rule (the unique index becomes
// partial); an ordinary item naming a gold answer is never queued.
//
// Adjudications. A lead's label for an item the reviewers disagree on; append-only like the
// ratings (a new label supersedes the old). Comparisons are stored with the lower sample id
// first, the label in terms of those: first, second, tie, both_bad.

extension Schema {
    static func goldRolesAudit(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE reviewers ADD COLUMN role TEXT NOT NULL DEFAULT 'reviewer' CHECK (role IN ('reviewer', 'lead'));
            CREATE TABLE reviewer_logins (
              login TEXT PRIMARY KEY NOT NULL CHECK (login <> ''),
              reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
              mapped_by TEXT NOT NULL,
              created_at DATETIME NOT NULL
            );
            CREATE TABLE audit_log (
              id INTEGER PRIMARY KEY,
              created_at DATETIME NOT NULL,
              actor TEXT NOT NULL,                    -- reviewer name, or system:NAME for the night
              login TEXT NOT NULL,                    -- the OS user that ran the command
              action TEXT NOT NULL,
              subject TEXT NOT NULL DEFAULT '',
              reason TEXT,
              details TEXT NOT NULL DEFAULT '{}'      -- JSON object
            );
            CREATE INDEX audit_log_created ON audit_log(created_at);
            CREATE INDEX audit_log_action ON audit_log(action, created_at);

            CREATE TABLE gold_items (
              id INTEGER PRIMARY KEY,
              kind TEXT NOT NULL CHECK (kind IN ('judgment', 'comparison')),
              prompt_id INTEGER NOT NULL REFERENCES prompts(id),
              sample_id INTEGER NOT NULL REFERENCES samples(id),
              other_sample_id INTEGER REFERENCES samples(id),
              expected TEXT NOT NULL,
              rationale TEXT,
              added_by TEXT NOT NULL,
              created_at DATETIME NOT NULL,
              retired_at DATETIME,
              CHECK ((kind = 'judgment') = (other_sample_id IS NULL)),
              CHECK ((kind = 'judgment' AND expected IN ('correct', 'incorrect'))
                  OR (kind = 'comparison' AND expected IN ('first', 'second', 'tie', 'both_bad')))
            );
            CREATE INDEX gold_items_sample ON gold_items(sample_id);
            CREATE INDEX gold_items_other ON gold_items(other_sample_id) WHERE other_sample_id IS NOT NULL;
            CREATE TRIGGER gold_items_fixed BEFORE UPDATE ON gold_items
            WHEN OLD.retired_at IS NOT NULL OR NEW.kind IS NOT OLD.kind OR NEW.sample_id IS NOT OLD.sample_id
              OR NEW.other_sample_id IS NOT OLD.other_sample_id OR NEW.expected IS NOT OLD.expected
              OR NEW.prompt_id IS NOT OLD.prompt_id
            BEGIN SELECT RAISE(ABORT, 'gold items are kept as added; retire one and add a corrected item instead'); END;
            CREATE TRIGGER gold_items_no_delete BEFORE DELETE ON gold_items
            BEGIN SELECT RAISE(ABORT, 'gold items are kept; retire one instead of deleting it'); END;

            ALTER TABLE review_items ADD COLUMN gold_id INTEGER REFERENCES gold_items(id);
            DROP INDEX review_items_unique;
            CREATE UNIQUE INDEX review_items_unique ON review_items(kind, sample_id, ifnull(other_sample_id, 0)) WHERE gold_id IS NULL;
            CREATE INDEX review_items_gold ON review_items(gold_id) WHERE gold_id IS NOT NULL;

            CREATE TRIGGER review_items_not_gold BEFORE INSERT ON review_items
            WHEN NEW.gold_id IS NULL AND (
              EXISTS (SELECT 1 FROM gold_items g WHERE g.sample_id = NEW.sample_id)
              OR EXISTS (SELECT 1 FROM gold_items g WHERE g.other_sample_id = NEW.sample_id)
              OR (NEW.other_sample_id IS NOT NULL AND (
                  EXISTS (SELECT 1 FROM gold_items g WHERE g.sample_id = NEW.other_sample_id)
                  OR EXISTS (SELECT 1 FROM gold_items g WHERE g.other_sample_id = NEW.other_sample_id))))
            BEGIN SELECT RAISE(IGNORE); END;

            CREATE TRIGGER review_items_gold_interleave AFTER INSERT ON review_items
            WHEN NEW.gold_id IS NULL
              AND EXISTS (SELECT 1 FROM gold_items g WHERE g.kind = NEW.kind AND g.retired_at IS NULL)
              AND (abs(random()) % 1000000) < (SELECT 1000000.0 * CAST(value AS REAL) / (1.0 - CAST(value AS REAL))
                                               FROM settings WHERE key = 'gold_share')
            BEGIN
              INSERT INTO review_items (kind, prompt_id, sample_id, other_sample_id, overlap, claimed, created_at, gold_id)
              SELECT g.kind, g.prompt_id, g.sample_id, g.other_sample_id, NEW.overlap, 0, NEW.created_at, g.id
              FROM gold_items g WHERE g.kind = NEW.kind AND g.retired_at IS NULL
              ORDER BY (SELECT count(*) FROM review_items r WHERE r.gold_id = g.id), random() LIMIT 1;
            END;

            CREATE TABLE adjudications (
              id INTEGER PRIMARY KEY,
              kind TEXT NOT NULL CHECK (kind IN ('judgment', 'comparison')),
              prompt_id INTEGER NOT NULL REFERENCES prompts(id),
              sample_id INTEGER NOT NULL REFERENCES samples(id),
              other_sample_id INTEGER REFERENCES samples(id),
              label TEXT NOT NULL,
              lead_id INTEGER NOT NULL REFERENCES reviewers(id),
              reason TEXT,
              created_at DATETIME NOT NULL,
              supersedes_id INTEGER REFERENCES adjudications(id),
              CHECK ((kind = 'judgment') = (other_sample_id IS NULL)),
              CHECK (other_sample_id IS NULL OR sample_id < other_sample_id),
              CHECK ((kind = 'judgment' AND label IN ('correct', 'incorrect'))
                  OR (kind = 'comparison' AND label IN ('first', 'second', 'tie', 'both_bad')))
            );
            CREATE INDEX adjudications_item ON adjudications(kind, sample_id, ifnull(other_sample_id, 0));
            CREATE UNIQUE INDEX adjudications_supersedes ON adjudications(supersedes_id) WHERE supersedes_id IS NOT NULL;
            """)
        for table in ["audit_log", "adjudications"] {
            try db.execute(sql: """
                CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
                BEGIN SELECT RAISE(ABORT, '\(table) is append-only: history is never rewritten'); END;
                CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
                BEGIN SELECT RAISE(ABORT, '\(table) is append-only: history is never deleted'); END;
                """)
        }
        try db.execute(
            sql: "INSERT OR IGNORE INTO settings (key, value) VALUES ('gold_share', ?), ('gold_min_accuracy', ?)",
            arguments: ["\(GoldSettings.defaultShare)", "\(GoldSettings.defaultMinAccuracy)"])
    }
}
