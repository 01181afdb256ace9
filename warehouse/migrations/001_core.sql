-- 001: the core tables named in ARCHITECTURE.md. Every upserted table has a primary key.

CREATE TABLE IF NOT EXISTS sources (
    id          VARCHAR PRIMARY KEY,      -- <outlet>-<lang>
    outlet      VARCHAR NOT NULL,
    language    VARCHAR NOT NULL,
    home_url    VARCHAR NOT NULL,
    enabled     BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE IF NOT EXISTS crawl_runs (
    id                  VARCHAR PRIMARY KEY,  -- <run_id>:<source_id>
    run_id              VARCHAR NOT NULL,
    source_id           VARCHAR NOT NULL,
    as_of               DATE,
    started             TIMESTAMPTZ,
    finished            TIMESTAMPTZ,
    status              VARCHAR,              -- ok, failed, partial
    requests            INTEGER DEFAULT 0,
    responses_by_status JSON,                 -- {"200": 12, "404": 1}
    new_articles        INTEGER DEFAULT 0,
    failures            INTEGER DEFAULT 0,
    bytes               BIGINT DEFAULT 0,
    error               VARCHAR
);

CREATE TABLE IF NOT EXISTS pages (
    id              VARCHAR PRIMARY KEY,      -- hash of crawl run + original URL
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

CREATE TABLE IF NOT EXISTS articles (
    id                  VARCHAR PRIMARY KEY,  -- hash of the canonical URL (pipeline.urls.article_id)
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

CREATE TABLE IF NOT EXISTS article_topics (
    article_id      VARCHAR NOT NULL,
    topic           VARCHAR NOT NULL,
    rules_version   VARCHAR NOT NULL,
    score           DOUBLE NOT NULL,
    evidence        VARCHAR[],
    PRIMARY KEY (article_id, topic)
);

CREATE TABLE IF NOT EXISTS stories (
    id                  VARCHAR PRIMARY KEY,  -- derived from the first article's id, never a sequence
    first_article_id    VARCHAR NOT NULL,
    first_seen          TIMESTAMPTZ,
    last_seen           TIMESTAMPTZ,
    title               VARCHAR,
    outlets             VARCHAR[],
    languages           VARCHAR[],
    article_count       INTEGER
);

CREATE TABLE IF NOT EXISTS revisions (
    article_id      VARCHAR NOT NULL,
    revision        INTEGER NOT NULL,
    seen_at         TIMESTAMPTZ,
    kind            VARCHAR,                  -- edited, deleted
    content_hash    VARCHAR,
    title           VARCHAR,
    text            VARCHAR,
    diff            VARCHAR,
    PRIMARY KEY (article_id, revision)
);

CREATE TABLE IF NOT EXISTS reports (
    id          VARCHAR PRIMARY KEY,
    created     TIMESTAMPTZ NOT NULL,
    since       TIMESTAMPTZ,
    until       TIMESTAMPTZ,
    paths       VARCHAR[]
);

CREATE TABLE IF NOT EXISTS alerts (
    topic       VARCHAR NOT NULL,
    story_id    VARCHAR NOT NULL,
    report_id   VARCHAR NOT NULL,
    kind        VARCHAR NOT NULL,             -- new, follow-up, spike, source-health
    article_id  VARCHAR,
    score       DOUBLE,
    created     TIMESTAMPTZ,
    PRIMARY KEY (topic, story_id, report_id, kind)
);
