// Remove every prediction of a job, visible or not (accepted facts stay facts).
// params: $job_id
// columns: n
MATCH ()-[p:PREDICTED {job_id: $job_id}]->()
DELETE p
RETURN count(*) AS n
