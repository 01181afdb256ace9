-- 007: search_docs without a primary key. A checkpoint rewrites each changed primary-key index whole
-- (~0.2 s per million keys, measured), and every load adds to search_docs: at 1M articles its index
-- cost 0.24 s of each day's checkpoint. Nothing needs it: `search.index` deletes an article's old row
-- before inserting its new one (one per article per batch), searches join on `doc`, and search latency
-- at 100k articles is unchanged without it (23 / 15 / 16 / 24 / 20 ms with the key, 26 / 14 / 15 / 23 /
-- 20 ms without, on the bench's five queries). DuckDB cannot drop a constraint, so the table is copied
-- in doc order (the order loads append in). Running this file again gives the same table.

CREATE OR REPLACE TABLE search_docs_unkeyed (
    article_id  VARCHAR NOT NULL,
    doc         INTEGER NOT NULL,
    length      INTEGER NOT NULL
);
INSERT INTO search_docs_unkeyed SELECT article_id, doc, length FROM search_docs ORDER BY doc;
DROP TABLE search_docs;
ALTER TABLE search_docs_unkeyed RENAME TO search_docs;
