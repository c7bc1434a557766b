// The properties of the given entities, from which their text is built.
// params: $ids
// columns: id, props
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, properties(n) AS props
