-- 008: the tables that grow with every load (articles, article_topics, stories, pages) without primary
-- keys. Each write connection loaded the key indexes it probed, and each checkpoint rewrote every changed
-- key index whole (~0.2 s per million keys, measured), so with them the cost of a day's load grew with the
-- warehouse: one load of 1,000 new articles took 0.93 s at 1M stored against 0.40 s at 10k. The load
-- upserts on the same keys without them (`pipeline.warehouse.load` MERGEs on the key columns: a hash join
-- of the batch against the key column, read in tens of milliseconds at 1M), and keeps one row per key
-- itself (deduplicated batch, one writer at a time; a test asserts it). DuckDB cannot drop a constraint,
-- so each table is copied in its stored order (what lets a filter on first_seen skip old row groups) with
-- the same columns and NOT NULL constraints. Running this file again gives the same tables.

CREATE OR REPLACE TABLE articles_unkeyed (
    id                  VARCHAR NOT NULL,     -- hash of the canonical URL (pipeline.urls.article_id)
    url                 VARCHAR NOT NULL,     -- the original URL as first fetched
    canonical_url       VARCHAR NOT NULL,
    source_id           VARCHAR,
    title               VARCHAR,
    text                VARCHAR,
    published           TIMESTAMPTZ,
    date_source         VARCHAR,
    authors             VARCHAR[],
    language            VARCHAR,
    language_confidence DOUBLE,
    content_hash        VARCHAR,
    story_id            VARCHAR,
    first_seen          TIMESTAMPTZ,
    last_seen           TIMESTAMPTZ,
    method              VARCHAR,              -- extractor that produced the text
    flags               VARCHAR[],            -- e.g. language-mismatch, date-disagreement
    deleted_at          TIMESTAMPTZ
);
INSERT INTO articles_unkeyed BY NAME SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_unkeyed RENAME TO articles;

CREATE OR REPLACE TABLE article_topics_unkeyed (
    article_id      VARCHAR NOT NULL,
    topic           VARCHAR NOT NULL,
    rules_version   VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    evidence        VARCHAR[],
    spans           JSON
);
INSERT INTO article_topics_unkeyed BY NAME SELECT * FROM article_topics;
DROP TABLE article_topics;
ALTER TABLE article_topics_unkeyed RENAME TO article_topics;

CREATE OR REPLACE TABLE stories_unkeyed (
    id                  VARCHAR NOT NULL,     -- derived from the first article's id, never a sequence
    first_article_id    VARCHAR NOT NULL,
    first_seen          TIMESTAMPTZ,
    last_seen           TIMESTAMPTZ,
    title               VARCHAR,
    outlets             VARCHAR[],
    languages           VARCHAR[],
    article_count       INTEGER
);
INSERT INTO stories_unkeyed BY NAME SELECT * FROM stories;
DROP TABLE stories;
ALTER TABLE stories_unkeyed RENAME TO stories;

CREATE OR REPLACE TABLE pages_unkeyed (
    id              VARCHAR NOT NULL,         -- hash of crawl run + original URL
    crawl_run_id    VARCHAR,
    source_id       VARCHAR,
    url             VARCHAR NOT NULL,         -- original URL (never the mirror's)
    final_url       VARCHAR,
    kind            VARCHAR,                  -- feed, sitemap, listing, article, robots, other
    status          INTEGER,
    fetched_at      TIMESTAMPTZ,
    etag            VARCHAR,
    last_modified   VARCHAR,
    warc_file       VARCHAR,
    warc_offset     BIGINT,
    content_hash    VARCHAR,
    bytes           BIGINT,
    failure         VARCHAR                   -- why it was not used, or NULL
);
INSERT INTO pages_unkeyed BY NAME SELECT * FROM pages;
DROP TABLE pages;
ALTER TABLE pages_unkeyed RENAME TO pages;
