// Fact edges around each given entity (predictions left out), at most $per_node each, with the
// direction of each edge and the entity's full fact degree. The cap keeps a hub's thousands of
// edges on the server; the degree comes free with the scan. Edges are collected as references
// and their properties read only for the ones kept.
// params: $ids, $per_node
// columns: id, degree, type, outgoing, other, name
UNWIND $ids AS id
MATCH (n:Entity {id: id})-[r]-(m:Entity)
WHERE type(r) <> 'PREDICTED'
WITH n, count(r) AS degree, collect([r, m])[..$per_node] AS kept
UNWIND kept AS pair
WITH n, degree, pair[0] AS r, pair[1] AS m
RETURN n.id AS id, degree, type(r) AS type, startNode(r) = n AS outgoing, m.id AS other, m.name AS name
