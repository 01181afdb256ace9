-- Each source's latest $runs crawl runs before $until, newest first, with what it brought in before them.
WITH r AS (
    SELECT *, row_number() OVER (PARTITION BY source_id
                                 ORDER BY coalesce(finished, started) DESC NULLS LAST, id DESC) AS recent
    FROM crawl_runs
    WHERE coalesce(finished, started) < $until
)
SELECT r.source_id, r.recent, coalesce(r.finished, r.started) AS finished, r.status, r.requests,
       CAST(r.responses_by_status AS VARCHAR) AS responses_by_status, r.new_articles, r.failures, r.error,
       (SELECT count(*) FROM r r2 WHERE r2.source_id = r.source_id) AS total_runs,
       (SELECT coalesce(sum(r2.new_articles), 0) FROM r r2
        WHERE r2.source_id = r.source_id AND r2.recent > $runs) AS earlier_new
FROM r
WHERE r.recent <= $runs
ORDER BY r.source_id, r.recent;
