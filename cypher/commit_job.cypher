// The job's commit point: if $worker still holds it and no cancel was asked for, mark it succeeded
// and make all its predictions visible, in one atomic query.
// params: $job_id, $worker, $now, $metrics, $written, $details
// columns: committed, published
MATCH (j:Job {id: $job_id})
SET j.version = coalesce(j.version, 0) + 1
WITH j
WHERE j.status = 'running' AND j.worker = $worker AND NOT coalesce(j.cancel_requested, false)
SET j.status = 'succeeded', j.metrics = $metrics, j.written = $written, j.details = $details, j.finished_at = $now,
    j.updated_at = $now, j.stage = 'done', j.percent = 100.0, j.lease_until = null
WITH j
OPTIONAL MATCH ()-[p:PREDICTED {job_id: $job_id}]->()
SET p.visible = true
RETURN count(DISTINCT j) AS committed, count(p) AS published
