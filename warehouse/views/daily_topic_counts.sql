-- daily_topic_counts: see README "The warehouse" for example queries.
CREATE OR REPLACE VIEW daily_topic_counts AS
SELECT CAST(a.first_seen AS DATE) AS day, t.topic, a.source_id, count(*) AS articles
FROM article_topics t JOIN articles a ON a.id = t.article_id
GROUP BY ALL;
