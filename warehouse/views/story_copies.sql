-- story_copies: see README "The warehouse" for example queries.
CREATE OR REPLACE VIEW story_copies AS
SELECT s.id AS story_id, s.title AS story_title, s.first_seen AS story_first_seen,
       a.id AS article_id, a.url, a.source_id, a.language, a.title, a.published, a.first_seen
FROM stories s JOIN articles a ON a.story_id = s.id;
