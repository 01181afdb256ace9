-- Where each matched term sits: [{"term", "field" (title|text), "start", "end"}], so a citation can point at
-- the words that made the tag; `evidence` keeps the matched strings the reports highlight.
ALTER TABLE article_topics ADD COLUMN IF NOT EXISTS spans JSON;
