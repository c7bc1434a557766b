// Visible predictions, best first, optionally of one job, relation or status.
// params: $job_id, $relation, $status (each null for any), $limit
// columns: head, relation, tail, score, rank, model, job_id, created_at, status
MATCH (h:Entity)-[p:PREDICTED]->(t:Entity)
WHERE p.visible = true
  AND ($job_id IS NULL OR p.job_id = $job_id)
  AND ($relation IS NULL OR p.relation = $relation)
  AND ($status IS NULL OR p.status = $status)
RETURN h.id AS head, p.relation AS relation, t.id AS tail, p.score AS score, p.rank AS rank,
       p.model AS model, p.job_id AS job_id, p.created_at AS created_at, p.status AS status
ORDER BY score DESC, head, tail
LIMIT $limit
