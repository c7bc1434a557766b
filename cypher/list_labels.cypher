// Node labels in the graph.
// columns: label
CALL db.labels() YIELD label
RETURN label
