// Write a job's predicted edges, hidden until the job publishes them; MERGE keys make replays harmless.
// paths: the job's explanation paths from head to tail as JSON (null when it explained none).
// params: $rows [{h, t, relation, score, rank, paths}], $job_id, $model, $created_at
// columns: n
UNWIND $rows AS row
MATCH (h:Entity {id: row.h})
MATCH (t:Entity {id: row.t})
MERGE (h)-[p:PREDICTED {relation: row.relation, job_id: $job_id}]->(t)
ON CREATE SET p.status = 'pending', p.visible = false
SET p.score = row.score, p.rank = row.rank, p.model = $model, p.created_at = $created_at, p.paths = row.paths
RETURN count(p) AS n
