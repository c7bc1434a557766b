// A job's worker ends it without predictions: $status is 'failed' (with $error) or 'cancelled'.
// params: $job_id, $worker, $status, $error, $now
// columns: job
MATCH (j:Job {id: $job_id})
SET j.version = coalesce(j.version, 0) + 1
WITH j
WHERE j.status = 'running' AND j.worker = $worker
SET j.status = $status, j.error = $error, j.finished_at = $now, j.updated_at = $now, j.stage = $status,
    j.lease_until = null
RETURN properties(j) AS job
