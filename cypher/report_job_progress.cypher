// Heartbeat of a running job: renew $worker's lease and record progress (null keeps the old value).
// Says whether $worker still holds the job and whether a cancel was asked for.
// params: $job_id, $worker, $now_ms, $lease_ms, $now, $stage, $percent, $live
// columns: held, cancel_requested
MATCH (j:Job {id: $job_id})
WITH j, j.status = 'running' AND j.worker = $worker AS held
FOREACH (_ IN CASE WHEN held THEN [1] ELSE [] END |
  SET j.lease_until = $now_ms + $lease_ms, j.updated_at = $now, j.stage = coalesce($stage, j.stage),
      j.percent = coalesce($percent, j.percent), j.live = coalesce($live, j.live))
RETURN held, coalesce(j.cancel_requested, false) AS cancel_requested
