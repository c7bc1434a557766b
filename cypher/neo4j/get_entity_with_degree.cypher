// One entity by id with its fact degree (predictions left out), in one round trip. Neo4j has no
// indegree()/outdegree(); a COUNT subquery counts the fact edges.
// params: $id
// columns: id, labels, props, degree
MATCH (n:Entity {id: $id})
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props,
       COUNT { (n)-[r]-() WHERE type(r) <> 'PREDICTED' } AS degree
