// Every entity with its labels and properties, for export.
// columns: id, labels, props
MATCH (n:Entity)
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props
ORDER BY id
