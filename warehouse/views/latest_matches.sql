-- latest_matches: see README "The warehouse" for example queries.
CREATE OR REPLACE VIEW latest_matches AS
SELECT t.topic, t.score, t.evidence, a.id AS article_id, a.title, a.url, a.source_id,
       a.language, a.published, a.first_seen, a.story_id
FROM article_topics t JOIN articles a ON a.id = t.article_id
QUALIFY row_number() OVER (PARTITION BY t.topic ORDER BY a.first_seen DESC, t.score DESC) <= 50;
