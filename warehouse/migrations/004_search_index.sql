-- 004: veille's own inverted index for `veille search`. Kept up to date in the same
-- transaction as every article load (DuckDB's FTS index is rebuilt whole and has no
-- Chinese tokenizer; see pipeline/searchtext.py for the tokens).

CREATE TABLE IF NOT EXISTS search_postings (
    term        VARCHAR NOT NULL,
    article_id  VARCHAR NOT NULL,
    tf          INTEGER NOT NULL
);

CREATE TABLE IF NOT EXISTS search_docs (
    article_id  VARCHAR PRIMARY KEY,
    length      INTEGER NOT NULL
);
