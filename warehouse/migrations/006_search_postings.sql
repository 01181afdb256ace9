-- 006: the search index as integer postings clustered by term, so a query reads only its terms'
-- postings: DuckDB skips every row group whose min/max term_id (zone map) excludes the query's
-- ids, while 004's VARCHAR postings in load order were scanned whole on every query (962 ms at
-- 100k articles). The old tables are dropped, not converted: `veille migrate` (and the daily
-- run's schema check) then rebuild the index from `articles` through search.reindex_missing,
-- since every article is missing from the new search_docs. Running this file again gives the
-- same empty tables and the same rebuild.

DROP TABLE IF EXISTS search_postings;
DROP TABLE IF EXISTS search_docs;
DROP TABLE IF EXISTS search_terms;

-- term dictionary: the primary key's ART index answers `term IN (...)` with an index scan
CREATE TABLE search_terms (
    term        VARCHAR PRIMARY KEY,
    id          INTEGER NOT NULL
);

-- one row per indexed article; doc is a fresh integer each time the article is (re)indexed, so a
-- load's postings hold a narrow doc range and deleting an article's old postings prunes by zone map
CREATE TABLE search_docs (
    article_id  VARCHAR PRIMARY KEY,
    doc         INTEGER NOT NULL,
    length      INTEGER NOT NULL
);

-- each load appends its postings sorted by (term_id, doc); no index (an ART over every posting
-- would cost more to keep than the zone maps, which already prune)
CREATE TABLE search_postings (
    term_id     INTEGER NOT NULL,
    doc         INTEGER NOT NULL,
    tf          INTEGER NOT NULL
);
