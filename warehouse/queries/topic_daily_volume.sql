-- Articles matching each topic (under the alert rules) per local day over [start, until).
SELECT t.topic, CAST(timezone($tz, a.first_seen) AS DATE) AS day, count(DISTINCT a.id) AS articles
FROM article_topics t JOIN articles a ON a.id = t.article_id
WHERE a.first_seen >= $start AND a.first_seen < $until AND t.score >= $min_score
  AND (len($topics::VARCHAR[]) = 0 OR list_contains($topics::VARCHAR[], t.topic))
  AND (len($sources::VARCHAR[]) = 0 OR list_contains($sources::VARCHAR[], a.source_id)
       OR list_contains($sources::VARCHAR[], split_part(a.source_id, '-', 1)))
  AND (len($languages::VARCHAR[]) = 0 OR list_contains($languages::VARCHAR[], a.language))
GROUP BY ALL
ORDER BY 1, 2;
