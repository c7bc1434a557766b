// Neo4j: fact degree (edges in either direction, predictions left out) of each given entity.
// params: $ids
// columns: id, degree
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id, COUNT { (n)-[r]-() WHERE type(r) <> 'PREDICTED' } AS degree
