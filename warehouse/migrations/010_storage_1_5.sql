-- 010: the two largest tables written again, once, for storage 1.5, which writers now attach with (see
-- `connection.STORAGE_VERSION`). A file made at 1.2 is moved to 1.5 by its next writer, but the tables it
-- already holds keep their 1.2 metadata until they are rewritten, and with it every checkpoint went on
-- costing in proportion to their row groups, changed or not: at 1M articles (~25,000 row groups of
-- postings) 0.4 s a checkpoint, against 0.03 s at 10k; on 100M rows of postings, 0.08 s at 1.2, 0.018 s
-- in a file made at 1.5, 0.033 s once rewritten in a file moved from 1.2.
--
-- articles: the text column is declared ZSTD. At 1.5 DuckDB picks ZSTD itself for distinct articles (1,233
-- MasakhaNEWS texts: 2.4 MB either way) but its new dictionary + FSST method where texts repeat, as wire
-- copies and republications do: on a row group of 16,384 rows made of ~60 real articles, 46 MB against
-- 2.4 MB with ZSTD (1.2 chose ZSTD there). The column's method is kept in the catalog of a 1.5 file; the
-- other columns keep DuckDB's choice.
--
-- Rows and their order are kept in both (articles in first-seen order, which lets a filter on first_seen
-- skip old row groups; each load's postings a run sorted by term, which lets a search skip row groups),
-- and so are the NOT NULL constraints. Running this file again gives the same tables.

CREATE OR REPLACE TABLE articles_rewritten (
    id                  VARCHAR NOT NULL,
    url                 VARCHAR NOT NULL,
    canonical_url       VARCHAR NOT NULL,
    source_id           VARCHAR,
    title               VARCHAR,
    "text"              VARCHAR USING COMPRESSION zstd,
    published           TIMESTAMPTZ,
    date_source         VARCHAR,
    authors             VARCHAR[],
    "language"          VARCHAR,
    language_confidence DOUBLE,
    content_hash        VARCHAR,
    story_id            VARCHAR,
    first_seen          TIMESTAMPTZ,
    last_seen           TIMESTAMPTZ,
    "method"            VARCHAR,
    flags               VARCHAR[],
    deleted_at          TIMESTAMPTZ
);
INSERT INTO articles_rewritten BY NAME SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_rewritten RENAME TO articles;

CREATE OR REPLACE TABLE search_postings_rewritten (
    term_id     INTEGER NOT NULL,
    doc         INTEGER NOT NULL,
    tf          INTEGER NOT NULL
);
INSERT INTO search_postings_rewritten BY NAME SELECT * FROM search_postings;
DROP TABLE search_postings;
ALTER TABLE search_postings_rewritten RENAME TO search_postings;
