// Remove a job's predictions that were never published (left by an attempt that did not commit).
// params: $job_id
// columns: n
MATCH ()-[p:PREDICTED {job_id: $job_id}]->()
WHERE p.visible = false
DELETE p
RETURN count(*) AS n
