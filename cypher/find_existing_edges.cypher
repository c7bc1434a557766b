// The given fact edges of one type that exist and whose properties the load would change, with the
// old values (null for a key it would add): a load keeps them so that a rollback can put them back.
// Both ends are found by id first; only edges with a change come back.
// placeholders: {{type}}
// params: $rows [[head id, tail id, props]]
// columns: h, t, old (pairs of key and old value)
UNWIND $rows AS row
MATCH (h:Entity {id: row[0]})
WITH h, row
MATCH (t:Entity {id: row[1]})
WITH h, t, row
MATCH (h)-[r:{{type}}]->(t)
WITH row, [k IN keys(row[2]) WHERE r[k] IS NULL OR r[k] <> row[2][k] | [k, r[k]]] AS old
WHERE size(old) > 0
RETURN row[0] AS h, row[1] AS t, old
