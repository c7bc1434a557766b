// Job records, newest first, optionally of one status, model or relation, created in [$since, $until).
// Timestamps are ISO 8601 UTC strings, so they compare in time order.
// params: $status, $model, $relation, $since, $until (each null for any), $limit
// columns: job
MATCH (j:Job)
WHERE ($status IS NULL OR j.status = $status)
  AND ($model IS NULL OR j.model = $model)
  AND ($relation IS NULL OR $relation IN j.relations)
  AND ($since IS NULL OR j.created_at >= $since)
  AND ($until IS NULL OR j.created_at < $until)
RETURN properties(j) AS job
ORDER BY j.created_at DESC, j.id
LIMIT $limit
