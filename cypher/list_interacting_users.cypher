// Entities at the start of an interaction edge (the users a recommendation page offers), by id.
// placeholders: {{type}} (the interaction relation)
// params: $limit
// columns: id, name
MATCH (u:Entity)-[:{{type}}]->()
WITH DISTINCT u
RETURN u.id AS id, u.name AS name
ORDER BY id
LIMIT $limit
