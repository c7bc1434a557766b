// Make all predictions of a job visible at once (one atomic query: the job's commit point).
// params: $job_id
// columns: n
MATCH ()-[p:PREDICTED {job_id: $job_id}]->()
SET p.visible = true
RETURN count(p) AS n
