// Fact degree (edges in either direction, predictions left out) of each given entity.
// params: $ids
// columns: id, degree
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r]-()
WHERE type(r) <> 'PREDICTED'
RETURN n.id AS id, count(r) AS degree
