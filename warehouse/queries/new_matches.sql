-- Topic matches on articles first seen in [since, until): the report's rows.
SELECT t.topic, t.score, t.evidence, a.id AS article_id, a.title, a.url, a.source_id,
       a.language, a.published, a.first_seen, a.story_id, a.text
FROM article_topics t JOIN articles a ON a.id = t.article_id
WHERE a.first_seen >= $since AND a.first_seen < $until AND t.score >= $min_score
ORDER BY t.topic, a.first_seen DESC, t.score DESC;
