// Ask a job to stop: a queued job is cancelled at once; a running one is flagged and its worker
// stops at the next step boundary. An ended job is left as it is.
// params: $job_id, $now
// columns: job
MATCH (j:Job {id: $job_id})
SET j.version = coalesce(j.version, 0) + 1
WITH j, j.status AS was
FOREACH (_ IN CASE WHEN was = 'queued' THEN [1] ELSE [] END |
  SET j.status = 'cancelled', j.stage = 'cancelled', j.finished_at = $now)
FOREACH (_ IN CASE WHEN was IN ['queued', 'running'] THEN [1] ELSE [] END |
  SET j.cancel_requested = true, j.updated_at = $now)
RETURN properties(j) AS job
