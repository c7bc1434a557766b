// One entity by id with its fact degree (predictions left out), in one round trip: the entity
// API's two hottest routes need both.
// params: $id
// columns: id, labels, props, degree
MATCH (n:Entity {id: $id})
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props,
       indegree(n) + outdegree(n) - indegree(n, 'PREDICTED') - outdegree(n, 'PREDICTED') AS degree
