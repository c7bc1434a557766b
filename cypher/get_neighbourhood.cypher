// Fact edges around one entity, both directions; predictions excluded.
// params: $id, $limit
// columns: relation, outgoing, id, labels, name
MATCH (n:Entity {id: $id})-[r]-(m:Entity)
WHERE type(r) <> 'PREDICTED'
RETURN type(r) AS relation, startNode(r) = n AS outgoing, m.id AS id, labels(m) AS labels, m.name AS name
LIMIT $limit
