-- 009: each indexed article's snippet (its first 200 characters, whitespace collapsed) kept in search_docs.
-- A search showed it from `articles.text`, and without a key index on `articles` (migration 008) DuckDB
-- fetched the rows shown by reading the whole text column: 0.7 s at 1M articles for 20 rows. The snippet
-- is read from search_docs by doc number instead (one row group per row shown). `search.index` writes it
-- with every (re)indexed article; this fills it for the articles indexed before, with the same expression
-- the search used. Running this file again gives the same column.

ALTER TABLE search_docs ADD COLUMN IF NOT EXISTS snippet VARCHAR;
UPDATE search_docs SET snippet = substr(regexp_replace(a.text, '\s+', ' ', 'g'), 1, 200)
FROM articles a WHERE a.id = search_docs.article_id;
