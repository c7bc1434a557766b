// The given entities that exist, with their labels and the old values of the properties the load
// would change (null for a key it would add). A load checks the labels before it writes, and keeps
// the old values so that a rollback can put them back. Only changed keys come back: a reload of
// the same data reads almost nothing.
// params: $rows [{id, props}]
// columns: id, labels, old (pairs of key and old value)
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
RETURN n.id AS id, labels(n) AS labels,
       [k IN keys(row.props) WHERE n[k] IS NULL OR n[k] <> row.props[k] | [k, n[k]]] AS old
