// The labels of the given entities that exist (a load checks them before it writes).
// params: $ids [string]
// columns: id, labels
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, labels(n) AS labels
