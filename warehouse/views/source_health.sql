-- source_health: see README "The warehouse" for example queries.
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
