import GRDB

// Migration v3: imports and whether their text was scrubbed.
//
// `rounds prompts import` and `rounds answers import` replace identifiers (names, phone
// numbers, IDs, dates, addresses, e-mail, URLs) by placeholders before anything is stored,
// unless the importer passes --no-scrub for data already de-identified. Each import is a
// row of `imports` saying which it was and how many identifiers were replaced; the prompts
// and samples it added point at it through `import_id`, so anyone can ask which stored text
// never went through the scrubber:
//   SELECT p.id FROM prompts p JOIN imports i ON i.id = p.import_id WHERE i.scrubbed = 0
// Rows from before this migration, and prompts and samples made by `rounds sample-answers`, have
// import_id NULL.

extension Schema {
    static func imports(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE imports (
              id INTEGER PRIMARY KEY,
              kind TEXT NOT NULL CHECK (kind IN ('prompts', 'samples')),
              source TEXT NOT NULL,                                 -- the file name
              scrubbed BOOLEAN NOT NULL CHECK (scrubbed IN (0, 1)), -- 0: --no-scrub, declared de-identified
              identifiers_replaced INTEGER NOT NULL CHECK (identifiers_replaced >= 0),
              added INTEGER NOT NULL,
              duplicates INTEGER NOT NULL,
              created_at DATETIME NOT NULL,
              CHECK (scrubbed = 1 OR identifiers_replaced = 0)
            );
            ALTER TABLE prompts ADD COLUMN import_id INTEGER REFERENCES imports(id);
            ALTER TABLE samples ADD COLUMN import_id INTEGER REFERENCES imports(id);
            """)
    }
}
