// Fact edges of one type with their properties, for export.
// placeholders: {{type}}
// columns: head, tail, props
MATCH (h:Entity)-[r:{{type}}]->(t:Entity)
RETURN h.id AS head, t.id AS tail, properties(r) AS props
ORDER BY head, tail
