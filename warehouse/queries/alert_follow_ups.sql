-- Articles first seen in [since, until) that joined a story after it was first reported for a topic
-- (its 'new' alert): the follow-ups. They need not match the topic themselves: the story does.
WITH first_alert AS (
    SELECT topic, story_id, arg_min(report_id, created) AS report_id
    FROM alerts WHERE kind = 'new'
      AND (len($topics::VARCHAR[]) = 0 OR list_contains($topics::VARCHAR[], topic))
    GROUP BY topic, story_id
)
SELECT f.topic, a.story_id, f.report_id, coalesce(r.until, r.created) AS reported_until,
       a.id AS article_id, a.title, a.url, a.source_id, a.language, a.published, a.first_seen,
       s.title AS story_title, s.first_seen AS story_first_seen
FROM first_alert f
JOIN reports r ON r.id = f.report_id
JOIN articles a ON a.story_id = f.story_id
LEFT JOIN stories s ON s.id = a.story_id
WHERE a.first_seen >= $since AND a.first_seen < $until AND a.first_seen >= coalesce(r.until, r.created)
  AND (len($sources::VARCHAR[]) = 0 OR list_contains($sources::VARCHAR[], a.source_id)
       OR list_contains($sources::VARCHAR[], split_part(a.source_id, '-', 1)))
  AND (len($languages::VARCHAR[]) = 0 OR list_contains($languages::VARCHAR[], a.language))
ORDER BY f.topic, a.story_id, a.first_seen, a.id;
