-- daily_source_counts: see README "The warehouse" for example queries.
CREATE OR REPLACE VIEW daily_source_counts AS
SELECT CAST(first_seen AS DATE) AS day, source_id, language, count(*) AS articles
FROM articles
GROUP BY ALL;
