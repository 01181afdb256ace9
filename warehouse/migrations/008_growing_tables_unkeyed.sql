-- 008: the tables that grow with every load (articles, article_topics, stories, pages) without primary
-- keys. Each write connection loaded the key indexes it probed, and each checkpoint rewrote every changed
-- key index whole (~0.2 s per million keys, measured), so with them the cost of a day's load grew with the
-- warehouse: one load of 1,000 new articles took 0.93 s at 1M stored against 0.40 s at 10k. The load
-- upserts on the same keys without them (`pipeline.warehouse.load`: MERGE on the key columns, or a plain
-- INSERT when none of the batch's keys is stored) and keeps one row per key itself (deduplicated batch,
-- one writer at a time; a test asserts it). DuckDB cannot drop a constraint, so each table is copied in
-- its stored order (what lets a filter on first_seen skip old row groups) with the same column types,
-- then given back its NOT NULL constraints. Running this file again gives the same tables.

CREATE OR REPLACE TABLE articles_unkeyed AS SELECT * FROM articles;
DROP TABLE articles;
ALTER TABLE articles_unkeyed RENAME TO articles;
ALTER TABLE articles ALTER COLUMN id SET NOT NULL;
ALTER TABLE articles ALTER COLUMN url SET NOT NULL;
ALTER TABLE articles ALTER COLUMN canonical_url SET NOT NULL;

CREATE OR REPLACE TABLE article_topics_unkeyed AS SELECT * FROM article_topics;
DROP TABLE article_topics;
ALTER TABLE article_topics_unkeyed RENAME TO article_topics;
ALTER TABLE article_topics ALTER COLUMN article_id SET NOT NULL;
ALTER TABLE article_topics ALTER COLUMN topic SET NOT NULL;
ALTER TABLE article_topics ALTER COLUMN rules_version SET NOT NULL;
ALTER TABLE article_topics ALTER COLUMN score SET NOT NULL;

CREATE OR REPLACE TABLE stories_unkeyed AS SELECT * FROM stories;
DROP TABLE stories;
ALTER TABLE stories_unkeyed RENAME TO stories;
ALTER TABLE stories ALTER COLUMN id SET NOT NULL;
ALTER TABLE stories ALTER COLUMN first_article_id SET NOT NULL;

CREATE OR REPLACE TABLE pages_unkeyed AS SELECT * FROM pages;
DROP TABLE pages;
ALTER TABLE pages_unkeyed RENAME TO pages;
ALTER TABLE pages ALTER COLUMN id SET NOT NULL;
ALTER TABLE pages ALTER COLUMN url SET NOT NULL;
