// The fact relation types around one entity, both directions, with how many edges of each
// (predictions left out): the entity page's relation filter, complete however big the hub.
// params: $id
// columns: relation, n
MATCH (n:Entity {id: $id})-[r]-(:Entity)
WHERE type(r) <> 'PREDICTED'
RETURN type(r) AS relation, count(r) AS n
ORDER BY relation
