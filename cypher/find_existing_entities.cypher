// The given entities that exist, with their labels and properties. A load checks the labels before
// it writes, and keeps the properties it is about to change, so that a rollback can put them back.
// params: $ids [string]
// columns: id, labels, props
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props
