// Roll back the edges a failed load created.
// params: $load_id
// columns: n
MATCH ()-[r]->()
WHERE r.load_id = $load_id
DELETE r
RETURN count(*) AS n
