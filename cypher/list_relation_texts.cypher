// Readable text of each relation type that has one.
// columns: type, text
MATCH (r:RelationType)
RETURN r.type AS type, r.text AS text
ORDER BY type
