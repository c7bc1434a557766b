// Entities created at or after a time (ISO 8601 UTC text; entities loaded before creation times were
// recorded have none and are not listed).
// params: $since
// columns: id
MATCH (n:Entity)
WHERE n.created_at >= $since
RETURN n.id AS id
ORDER BY id
