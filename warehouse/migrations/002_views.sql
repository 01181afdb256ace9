-- 002: views for the common questions analysts ask.

CREATE OR REPLACE VIEW daily_topic_counts AS
SELECT CAST(a.first_seen AS DATE) AS day, t.topic, a.source_id, count(*) AS articles
FROM article_topics t JOIN articles a ON a.id = t.article_id
GROUP BY ALL;

CREATE OR REPLACE VIEW daily_source_counts AS
SELECT CAST(first_seen AS DATE) AS day, source_id, language, count(*) AS articles
FROM articles
GROUP BY ALL;

CREATE OR REPLACE VIEW latest_matches AS
SELECT t.topic, t.score, t.evidence, a.id AS article_id, a.title, a.url, a.source_id,
       a.language, a.published, a.first_seen, a.story_id
FROM article_topics t JOIN articles a ON a.id = t.article_id
QUALIFY row_number() OVER (PARTITION BY t.topic ORDER BY a.first_seen DESC, t.score DESC) <= 50;

CREATE OR REPLACE VIEW story_copies AS
SELECT s.id AS story_id, s.title AS story_title, s.first_seen AS story_first_seen,
       a.id AS article_id, a.url, a.source_id, a.language, a.title, a.published, a.first_seen
FROM stories s JOIN articles a ON a.story_id = s.id;

CREATE OR REPLACE VIEW source_health AS
SELECT r.source_id,
       max(r.finished) AS last_run,
       max(r.finished) FILTER (WHERE r.new_articles > 0) AS last_new_article_run,
       arg_max(r.status, r.finished) AS last_status,
       arg_max(r.new_articles, r.finished) AS last_new_articles,
       arg_max(r.failures, r.finished) AS last_failures,
       sum(r.requests) AS requests_total
FROM crawl_runs r
GROUP BY r.source_id;
