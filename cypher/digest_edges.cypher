// Every edge with its endpoints' ids, its type and its properties, for a digest of the whole graph.
// columns: head, type, tail, props
MATCH (a)-[r]->(b)
RETURN a.id AS head, type(r) AS type, b.id AS tail, properties(r) AS props
