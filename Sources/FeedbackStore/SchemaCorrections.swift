import GRDB

// Migration v4: corrections and rubric axes, both attached to a judgment row.
//
// A correction is the answer as the reviewer rewrote it (scrubbed of identifiers before it
// is stored). A rubric axis rating is one value on one named axis (agreement with clinical
// consensus, harm likelihood, missing content, …; the axes are configured in the review
// guidelines). Both belong to the judgment they were saved with, one correction and one
// value per axis at most: they count exactly while that judgment counts, so undoing the
// judgment (a retraction row superseding it) withdraws them too, and nothing is ever
// updated or deleted.
//
// Harm extent is not an axis row: it is the judgment's `harm` column (none / mild /
// moderate / severe), read on the rubric's three-level scale as none / mild–moderate /
// severe or death. One field, two views; the CHECK keeps a second copy out.

extension Schema {
    static func correctionsAndAxes(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE corrections (
              id INTEGER PRIMARY KEY,
              judgment_id INTEGER NOT NULL UNIQUE REFERENCES judgments(id),
              text TEXT NOT NULL CHECK (text <> ''),                -- scrubbed
              identifiers_replaced INTEGER NOT NULL CHECK (identifiers_replaced >= 0),
              created_at DATETIME NOT NULL
            );
            CREATE TABLE judgment_axes (
              judgment_id INTEGER NOT NULL REFERENCES judgments(id),
              axis TEXT NOT NULL CHECK (axis <> '' AND axis <> 'harm_extent'),
              value TEXT NOT NULL CHECK (value <> ''),
              PRIMARY KEY (judgment_id, axis)
            ) WITHOUT ROWID;
            CREATE TRIGGER corrections_live_judgment BEFORE INSERT ON corrections
            WHEN NOT EXISTS (SELECT 1 FROM judgments WHERE id = NEW.judgment_id AND retracted = 0)
            BEGIN SELECT RAISE(ABORT, 'a correction belongs to a judgment that is not a retraction'); END;
            CREATE TRIGGER judgment_axes_live_judgment BEFORE INSERT ON judgment_axes
            WHEN NOT EXISTS (SELECT 1 FROM judgments WHERE id = NEW.judgment_id AND retracted = 0)
            BEGIN SELECT RAISE(ABORT, 'an axis rating belongs to a judgment that is not a retraction'); END;
            """)
        for table in ["corrections", "judgment_axes"] { try forbidRewrites(of: table, db) }
    }
}
