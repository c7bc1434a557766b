// Take a job for $worker: a queued job, or a running one whose lease expired (its worker died) or
// that $worker already holds, and only while it has had fewer than $max_attempts claims (a job that
// kills its workers is ended by recover_expired_jobs). No row back means: not for $worker now.
// Bumping j.version first takes the node's write lock on Neo4j, so the check below reads the
// latest committed state; FalkorDB runs each query atomically anyway.
// params: $job_id, $worker, $now_ms, $lease_ms, $now, $max_attempts
// columns: job
MATCH (j:Job {id: $job_id})
SET j.version = coalesce(j.version, 0) + 1
WITH j
WHERE (j.status = 'queued' OR (j.status = 'running' AND (j.lease_until < $now_ms OR j.worker = $worker)))
  AND NOT coalesce(j.cancel_requested, false) AND coalesce(j.attempts, 0) < $max_attempts
SET j.status = 'running', j.worker = $worker, j.lease_until = $now_ms + $lease_ms,
    j.attempts = coalesce(j.attempts, 0) + 1, j.started_at = $now, j.updated_at = $now,
    j.stage = 'claimed', j.percent = 0.0
RETURN properties(j) AS job
