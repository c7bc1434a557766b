// Edges among the given entities, for a graph view of query results: facts, and the visible, not
// rejected predictions with their relation and score.
// params: $ids, $limit
// columns: source, type, target, relation, score
MATCH (a:Entity)-[r]->(b:Entity)
WHERE a.id IN $ids AND b.id IN $ids
  AND (type(r) <> 'PREDICTED' OR (r.visible = true AND r.status <> 'rejected'))
RETURN a.id AS source, type(r) AS type, b.id AS target, r.relation AS relation, r.score AS score
LIMIT $limit
