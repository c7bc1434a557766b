// Upsert fact edges of one relation type whose two ends existed before this load (so the edge may
// have too); rows as in upsert_edges. The checks below cost 13-15% of a load's speed, so edges
// with a new end go through upsert_edges instead.
// An edge that existed before this load and whose properties the row would change is not written
// here: it comes back in `held` with its old values, which the load keeps before it sets the new
// ones (set_edge_props), so that a rollback can put them back. Edges this load created are set.
// placeholders: {{type}}
// params: $rows [[h, t, props]], $load_id
// columns: n (rows written), held (the changes held back: head id; tail id; old key-value pairs; new props)
UNWIND $rows AS row
MATCH (h:Entity {id: row[0]})
MATCH (t:Entity {id: row[1]})
MERGE (h)-[r:{{type}}]->(t)
ON CREATE SET r.load_id = $load_id
WITH r, row, coalesce(r.load_id = $load_id, false) AS ours,
     [k IN keys(row[2]) WHERE r[k] IS NULL OR r[k] <> row[2][k] | [k, r[k]]] AS old
FOREACH (_ IN CASE WHEN ours THEN [1] ELSE [] END | SET r += row[2])
RETURN count(*) AS n, collect(CASE WHEN NOT ours AND size(old) > 0 THEN [row[0], row[1], old, row[2]] END) AS held
