// Fact edges around one entity, both directions, of one relation type or any; predictions excluded.
// params: $id, $relation (null for any), $skip, $limit
// columns: relation, outgoing, id, labels, name
MATCH (n:Entity {id: $id})-[r]-(m:Entity)
WHERE type(r) <> 'PREDICTED' AND ($relation IS NULL OR type(r) = $relation)
RETURN type(r) AS relation, startNode(r) = n AS outgoing, m.id AS id, labels(m) AS labels, m.name AS name
ORDER BY relation, id
SKIP $skip
LIMIT $limit
