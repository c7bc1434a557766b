// Roll back the entities a failed load created (with any edge still attached to them).
// params: $load_id
// columns: n
MATCH (n:Entity)
WHERE n.load_id = $load_id
DETACH DELETE n
RETURN count(*) AS n
