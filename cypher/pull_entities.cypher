// Entities for a subgraph pull, keyed by the store's internal id (fast to read back; never stored).
// placeholders: {{labels}} (empty for every entity, else one type label)
// columns: key, id
MATCH (n:Entity{{labels}})
RETURN id(n) AS key, n.id AS id
