// One entity by id.
// params: $id
// columns: id, labels, props
MATCH (n:Entity {id: $id})
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props
