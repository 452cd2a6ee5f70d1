import GRDB

// Migration v6: an information score per queue item, and how each slot was drawn.
//
// `review_items.info_score` is how much a rating of the item is expected to teach (higher:
// more; NULL: not scored). It is written when items are scored (QueueInformation in the
// loop, `rounds queue score`), never computed while a reviewer waits: the `informative`
// order walks the partial index `review_items_informative` from its front, as the oldest-
// first order walks `review_items_open`. A gold copy is queued right after the ordinary item
// it follows (SchemaGoldRolesAudit.swift); a trigger gives it that item's score, so gold
// cards keep their share and their place in either order.
//
// `review_assignments.draw` records why the slot was handed out: `oldest` (oldest-first
// order), `informative` (highest score) or `random` (the random share of the informative
// order: a uniformly drawn open item). NULL for slots claimed before this migration (the
// order was oldest-first then). `draw_score` is the item's score at that moment. Statistics
// that must not depend on what the model found uncertain use the content-blind draws only.

extension Schema {
    static func queueOrder(_ db: Database) throws {
        try db.execute(sql: """
            ALTER TABLE review_items ADD COLUMN info_score REAL CHECK (info_score IS NULL OR (info_score >= 0 AND info_score <= 1));
            CREATE INDEX review_items_informative ON review_items(info_score DESC, id) WHERE claimed < overlap;
            ALTER TABLE review_assignments ADD COLUMN draw TEXT CHECK (draw IS NULL OR draw IN ('oldest', 'informative', 'random'));
            ALTER TABLE review_assignments ADD COLUMN draw_score REAL;
            CREATE INDEX review_assignments_draw ON review_assignments(draw) WHERE draw = 'informative';

            CREATE TRIGGER review_items_gold_score AFTER UPDATE OF info_score ON review_items
            WHEN NEW.gold_id IS NULL BEGIN
              UPDATE review_items SET info_score = NEW.info_score
              WHERE gold_id IS NOT NULL AND id > NEW.id
                AND id < ifnull((SELECT min(id) FROM review_items WHERE id > NEW.id AND gold_id IS NULL), 9223372036854775807);
            END;
            """)
        try db.execute(
            sql: "INSERT OR IGNORE INTO settings (key, value) VALUES ('queue_order', ?), ('queue_random_share', ?)",
            arguments: [QueueOrderSettings.defaultOrder.rawValue, "\(QueueOrderSettings.defaultRandomShare)"])
    }
}
