// Neo4j: internal ids are elementId strings (id() is deprecated there).
// placeholders: {{labels}} (empty for every entity, else one type label)
// columns: key, id
MATCH (n:Entity{{labels}})
RETURN elementId(n) AS key, n.id AS id
