// For entities that exist, the old values of the properties a load would change (null for a key it
// would add): the load keeps them before it writes, so that a rollback can put them back. Only
// entities with a change come back, so a reload of the same data reads almost nothing.
// params: $rows [{id, props}]
// columns: id, old (pairs of key and old value)
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
WITH row, [k IN keys(row.props) WHERE n[k] IS NULL OR n[k] <> row.props[k] | [k, n[k]]] AS old
WHERE size(old) > 0
RETURN row.id AS id, old
