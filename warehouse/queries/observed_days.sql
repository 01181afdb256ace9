-- Local days in [start, until) on which the pipeline ran (a crawl run or any article first seen):
-- only these count as zeros in a topic's trailing volume, so a gap in crawling is not "a quiet day".
SELECT DISTINCT CAST(timezone($tz, first_seen) AS DATE) AS day
FROM articles WHERE first_seen >= $start AND first_seen < $until
UNION
SELECT DISTINCT CAST(timezone($tz, coalesce(started, finished)) AS DATE)
FROM crawl_runs WHERE coalesce(started, finished) >= $start AND coalesce(started, finished) < $until
ORDER BY 1;
