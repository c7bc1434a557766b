// Record a new job as queued; its spec and results are JSON strings (node properties are flat).
// params: $job_id, $props
// columns: job
CREATE (j:Job {id: $job_id})
SET j += $props
RETURN properties(j) AS job
