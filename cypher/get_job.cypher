// One job record.
// params: $job_id
// columns: job
MATCH (j:Job {id: $job_id})
RETURN properties(j) AS job
