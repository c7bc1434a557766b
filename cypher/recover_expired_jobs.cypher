// Running jobs whose lease expired (their worker died): queue them again, or end them when a
// cancel was asked for or they have had $max_attempts claims.
// params: $now_ms, $now, $max_attempts, $lost_error
// columns: job_id, status, queue
MATCH (j:Job)
WHERE j.status = 'running' AND j.lease_until < $now_ms
SET j.version = coalesce(j.version, 0) + 1
WITH j
WHERE j.status = 'running' AND j.lease_until < $now_ms
WITH j, CASE WHEN coalesce(j.cancel_requested, false) THEN 'cancelled'
             WHEN j.attempts >= $max_attempts THEN 'failed'
             ELSE 'queued' END AS next
SET j.status = next, j.stage = CASE WHEN next = 'queued' THEN 'requeued' ELSE next END,
    j.error = CASE WHEN next = 'failed' THEN $lost_error ELSE j.error END,
    j.finished_at = CASE WHEN next = 'queued' THEN null ELSE $now END,
    j.worker = null, j.lease_until = null, j.updated_at = $now
RETURN j.id AS job_id, next AS status, j.queue AS queue
