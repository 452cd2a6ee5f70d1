import Foundation
import GRDB
import Support

// The whole schema lives in one migrator (GRDB demo AppDatabase). Naming: snake_case
// tables and columns; ids are INTEGER PRIMARY KEY (rowid aliases).
//
// Append-only rating tables (judgments, comparisons, skips, training_run_feedback): an edit
// is a new row whose `supersedes_id` points at the old one; an undo is a retraction row
// (`retracted = 1`, no verdict/outcome) that supersedes the rating it withdraws. A rating
// counts while no row supersedes it and it is not itself a retraction. Triggers refuse
// UPDATE and DELETE on these tables, so history cannot be rewritten through SQL either.
//
// Workflow tables (review_items, review_assignments, training_runs) hold state that moves
// (slots claimed, assignment open/done/skipped, run finished); their history is in the
// rating tables.

enum Schema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try createCatalogue(db)
            try createQueue(db)
            try createRatings(db)
            try createTrainingRuns(db)
        }
        migrator.registerMigration("v2-claims-and-counts") { db in try claimsAndCounts(db) }
        migrator.registerMigration("v3-imports") { db in try imports(db) }
        migrator.registerMigration("v4-corrections-axes") { db in try correctionsAndAxes(db) }
        migrator.registerMigration("v5-gold-roles-audit") { db in try goldRolesAudit(db) }
        migrator.registerMigration("v6-queue-order") { db in try queueOrder(db) }
        return migrator
    }

    /// Reviewers, prompts, policy versions, samples, settings.
    private static func createCatalogue(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE settings (
              key TEXT PRIMARY KEY NOT NULL,
              value TEXT NOT NULL
            );
            CREATE TABLE reviewers (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE CHECK (name <> ''),
              display_name TEXT NOT NULL,
              created_at DATETIME NOT NULL
            );
            CREATE TABLE prompts (
              id INTEGER PRIMARY KEY,
              content_hash TEXT NOT NULL UNIQUE,   -- sha256 of the canonical messages JSON
              messages TEXT NOT NULL,              -- JSON [{"role","content"}], ends with a user turn
              text TEXT NOT NULL,                  -- the last user turn, shown to reviewers
              split TEXT NOT NULL CHECK (split IN ('train', 'heldout')),
              source TEXT,
              created_at DATETIME NOT NULL
            );
            CREATE TABLE policies (
              id INTEGER PRIMARY KEY,
              name TEXT NOT NULL UNIQUE CHECK (name <> ''),
              created_at DATETIME NOT NULL
            );
            CREATE TABLE samples (
              id INTEGER PRIMARY KEY,
              prompt_id INTEGER NOT NULL REFERENCES prompts(id),
              policy_id INTEGER NOT NULL REFERENCES policies(id),
              text TEXT NOT NULL,
              token_count INTEGER,
              logprob_sum REAL,
              temperature REAL,
              top_p REAL,
              top_k INTEGER,
              seed INTEGER,
              created_at DATETIME NOT NULL
            );
            CREATE INDEX samples_prompt_policy ON samples(prompt_id, policy_id);
            CREATE INDEX samples_policy ON samples(policy_id);
            """)
        // A random per-database secret keys reviewer pseudonyms in exports.
        var rng = SystemRandomNumberGenerator()
        let secret = Hex.string((0..<32).map { _ in UInt8.random(in: 0...255, using: &rng) })
        try db.execute(sql: "INSERT INTO settings (key, value) VALUES ('pseudonym_secret', ?)", arguments: [secret])
    }

    /// Items to review and the slots reviewers claim on them.
    private static func createQueue(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE review_items (
              id INTEGER PRIMARY KEY,
              kind TEXT NOT NULL CHECK (kind IN ('judgment', 'comparison')),
              prompt_id INTEGER NOT NULL REFERENCES prompts(id),
              sample_id INTEGER NOT NULL REFERENCES samples(id),   -- judged answer / new policy's answer
              other_sample_id INTEGER REFERENCES samples(id),      -- baseline's answer (comparisons)
              overlap INTEGER NOT NULL CHECK (overlap >= 1),       -- reviewers wanted (K)
              claimed INTEGER NOT NULL DEFAULT 0,                  -- slots taken (skips give theirs back)
              created_at DATETIME NOT NULL,
              CHECK ((kind = 'judgment') = (other_sample_id IS NULL)),
              CHECK (claimed >= 0 AND claimed <= overlap),
              CHECK (other_sample_id IS NULL OR other_sample_id <> sample_id)
            );
            CREATE UNIQUE INDEX review_items_unique ON review_items(kind, sample_id, ifnull(other_sample_id, 0));
            CREATE INDEX review_items_other ON review_items(other_sample_id) WHERE other_sample_id IS NOT NULL;
            -- Only items with a free slot, in queue order: the claim query walks this small
            -- index from the front and stops at the first item the reviewer has not had.
            CREATE INDEX review_items_open ON review_items(id) WHERE claimed < overlap;
            CREATE TABLE review_assignments (
              id INTEGER PRIMARY KEY,
              item_id INTEGER NOT NULL REFERENCES review_items(id),
              reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
              a_sample_id INTEGER NOT NULL REFERENCES samples(id),  -- shown as A (left), or the judged answer
              b_sample_id INTEGER REFERENCES samples(id),           -- shown as B (right)
              state TEXT NOT NULL CHECK (state IN ('open', 'done', 'skipped')),
              claimed_at DATETIME NOT NULL,
              opened_at DATETIME NOT NULL,                          -- claimed or reopened by an undo
              UNIQUE (item_id, reviewer_id)                         -- never the same item twice
            );
            CREATE INDEX review_assignments_open ON review_assignments(reviewer_id, opened_at) WHERE state = 'open';
            """)
    }

    /// Judgments, comparisons and skips: append-only.
    private static func createRatings(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE judgments (
              id INTEGER PRIMARY KEY,
              assignment_id INTEGER REFERENCES review_assignments(id),
              sample_id INTEGER NOT NULL REFERENCES samples(id),
              reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
              verdict TEXT CHECK (verdict IN ('correct', 'incorrect')),
              harm TEXT CHECK (harm IN ('none', 'mild', 'moderate', 'severe')),
              tags TEXT NOT NULL DEFAULT '[]',                      -- JSON array of category tags
              comment TEXT,
              seconds_spent REAL NOT NULL CHECK (seconds_spent >= 0),
              created_at DATETIME NOT NULL,
              supersedes_id INTEGER REFERENCES judgments(id),
              retracted BOOLEAN NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
              CHECK (retracted = 0 OR (supersedes_id IS NOT NULL AND verdict IS NULL)),
              CHECK (retracted = 1 OR verdict IS NOT NULL)
            );
            CREATE UNIQUE INDEX judgments_supersedes ON judgments(supersedes_id) WHERE supersedes_id IS NOT NULL;
            CREATE INDEX judgments_reviewer ON judgments(reviewer_id, created_at);
            CREATE INDEX judgments_sample ON judgments(sample_id);
            CREATE INDEX judgments_created ON judgments(created_at);
            CREATE TABLE comparisons (
              id INTEGER PRIMARY KEY,
              assignment_id INTEGER REFERENCES review_assignments(id),
              prompt_id INTEGER NOT NULL REFERENCES prompts(id),
              sample_a_id INTEGER NOT NULL REFERENCES samples(id),  -- shown on the left (A)
              sample_b_id INTEGER NOT NULL REFERENCES samples(id),  -- shown on the right (B)
              reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
              outcome TEXT CHECK (outcome IN ('a', 'b', 'tie', 'both_bad')),
              comment TEXT,
              seconds_spent REAL NOT NULL CHECK (seconds_spent >= 0),
              created_at DATETIME NOT NULL,
              supersedes_id INTEGER REFERENCES comparisons(id),
              retracted BOOLEAN NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1)),
              CHECK (sample_a_id <> sample_b_id),
              CHECK (retracted = 0 OR (supersedes_id IS NOT NULL AND outcome IS NULL)),
              CHECK (retracted = 1 OR outcome IS NOT NULL)
            );
            CREATE UNIQUE INDEX comparisons_supersedes ON comparisons(supersedes_id) WHERE supersedes_id IS NOT NULL;
            CREATE INDEX comparisons_reviewer ON comparisons(reviewer_id, created_at);
            CREATE INDEX comparisons_created ON comparisons(created_at);
            CREATE TABLE skips (
              id INTEGER PRIMARY KEY,
              assignment_id INTEGER NOT NULL REFERENCES review_assignments(id),
              reviewer_id INTEGER NOT NULL REFERENCES reviewers(id),
              reason TEXT,
              created_at DATETIME NOT NULL
            );
            -- A supersede stays with the same reviewer and the same answer(s), and never
            -- supersedes a retraction (undo of an undo is a fresh rating).
            CREATE TRIGGER judgments_supersede_same BEFORE INSERT ON judgments
            WHEN NEW.supersedes_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM judgments old WHERE old.id = NEW.supersedes_id AND old.retracted = 0
                AND old.reviewer_id = NEW.reviewer_id AND old.sample_id = NEW.sample_id)
            BEGIN SELECT RAISE(ABORT, 'a judgment may only supersede a live judgment of the same reviewer and sample'); END;
            CREATE TRIGGER comparisons_supersede_same BEFORE INSERT ON comparisons
            WHEN NEW.supersedes_id IS NOT NULL AND NOT EXISTS (
              SELECT 1 FROM comparisons old WHERE old.id = NEW.supersedes_id AND old.retracted = 0
                AND old.reviewer_id = NEW.reviewer_id
                AND min(old.sample_a_id, old.sample_b_id) = min(NEW.sample_a_id, NEW.sample_b_id)
                AND max(old.sample_a_id, old.sample_b_id) = max(NEW.sample_a_id, NEW.sample_b_id))
            BEGIN SELECT RAISE(ABORT, 'a comparison may only supersede a live comparison of the same reviewer and samples'); END;
            CREATE TRIGGER comparisons_same_prompt BEFORE INSERT ON comparisons
            WHEN (SELECT prompt_id FROM samples WHERE id = NEW.sample_a_id) IS NOT NEW.prompt_id
              OR (SELECT prompt_id FROM samples WHERE id = NEW.sample_b_id) IS NOT NEW.prompt_id
            BEGIN SELECT RAISE(ABORT, 'both compared samples must answer the comparison''s prompt'); END;
            """)
        for table in appendOnlyTables { try forbidRewrites(of: table, db) }
    }

    /// Training runs and the exact feedback rows each one used.
    private static func createTrainingRuns(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE training_runs (
              id INTEGER PRIMARY KEY,
              kind TEXT NOT NULL,                     -- e.g. reward, dpo, kto, ppo, nightly
              parent_policy TEXT,
              output_policy TEXT,
              parameters TEXT NOT NULL DEFAULT '{}',  -- JSON
              feedback_hash TEXT NOT NULL,            -- sha256 over the feedback row ids used
              status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
              metrics TEXT,                           -- JSON, set when finished
              started_at DATETIME NOT NULL,
              finished_at DATETIME
            );
            CREATE TABLE training_run_feedback (
              run_id INTEGER NOT NULL REFERENCES training_runs(id),
              kind TEXT NOT NULL CHECK (kind IN ('judgment', 'comparison')),
              rating_id INTEGER NOT NULL,
              PRIMARY KEY (run_id, kind, rating_id)
            ) WITHOUT ROWID;
            """)
        try forbidRewrites(of: "training_run_feedback", db)
    }

    static let appendOnlyTables = ["judgments", "comparisons", "skips"]

    static func forbidRewrites(of table: String, _ db: Database) throws {
        try db.execute(sql: """
            CREATE TRIGGER \(table)_no_update BEFORE UPDATE ON \(table)
            BEGIN SELECT RAISE(ABORT, '\(table) is append-only: write a new row that supersedes the old one'); END;
            CREATE TRIGGER \(table)_no_delete BEFORE DELETE ON \(table)
            BEGIN SELECT RAISE(ABORT, '\(table) is append-only: write a retraction row instead of deleting'); END;
            """)
    }
}
