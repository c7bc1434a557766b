// Which of the given entity ids are not in the graph (edge endpoints are checked before a load writes).
// params: $ids [string]
// columns: id
UNWIND $ids AS id
OPTIONAL MATCH (n:Entity {id: id})
WITH id, n
WHERE n IS NULL
RETURN id
