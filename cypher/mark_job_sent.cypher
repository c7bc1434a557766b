// A submitted job's task reached the queue: it no longer waits to be sent.
// params: $job_id
// columns: n
MATCH (j:Job {id: $job_id})
SET j.unsent_until = null
RETURN count(j) AS n
