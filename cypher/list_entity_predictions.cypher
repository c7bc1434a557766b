// The visible, not rejected predictions that touch one entity, in either direction, best first.
// params: $id, $limit
// columns: relation, outgoing, id, labels, name, score, rank, job_id, model, status
MATCH (n:Entity {id: $id})-[p:PREDICTED]-(m:Entity)
WHERE p.visible = true AND p.status <> 'rejected'
RETURN p.relation AS relation, startNode(p) = n AS outgoing, m.id AS id, labels(m) AS labels, m.name AS name,
       p.score AS score, p.rank AS rank, p.job_id AS job_id, p.model AS model, p.status AS status
ORDER BY score DESC, id
LIMIT $limit
