// Fact degree (edges in either direction, predictions left out) of each given entity.
// FalkorDB reads degrees off its adjacency matrices (30x faster than expanding the edges).
// params: $ids
// columns: id, degree
UNWIND $ids AS id
MATCH (n:Entity {id: id})
RETURN n.id AS id,
       indegree(n) + outdegree(n) - indegree(n, 'PREDICTED') - outdegree(n, 'PREDICTED') AS degree
