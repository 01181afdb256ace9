-- Topic matches passing the alert rules on articles first seen in [since, until): the candidates for new
-- alerts. Empty rule lists mean "all"; a source rule matches a source id (xinhua-fr) or an outlet (xinhua).
SELECT t.topic, t.score, t.evidence, a.id AS article_id, a.title, a.url, a.source_id, a.language,
       a.published, a.first_seen, coalesce(a.story_id, 'st-' || a.id) AS story_id, a.text,
       s.title AS story_title, s.first_seen AS story_first_seen
FROM article_topics t
JOIN articles a ON a.id = t.article_id
LEFT JOIN stories s ON s.id = a.story_id
WHERE a.first_seen >= $since AND a.first_seen < $until AND t.score >= $min_score
  AND (len($topics::VARCHAR[]) = 0 OR list_contains($topics::VARCHAR[], t.topic))
  AND (len($sources::VARCHAR[]) = 0 OR list_contains($sources::VARCHAR[], a.source_id)
       OR list_contains($sources::VARCHAR[], split_part(a.source_id, '-', 1)))
  AND (len($languages::VARCHAR[]) = 0 OR list_contains($languages::VARCHAR[], a.language))
ORDER BY t.topic, t.score DESC, a.first_seen, a.id;
