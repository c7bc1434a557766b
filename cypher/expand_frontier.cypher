// One breadth-first hop: the neighbours of the frontier over the given fact relation types.
// params: $ids [string], $types [string]
// columns: id
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r]-(m:Entity)
WHERE type(r) IN $types
RETURN DISTINCT m.id AS id
