// Upsert entities of one label set; rows created by this call are tagged with the load id (for rollback)
// and their creation time (for inductive completion of entities added since a date).
// placeholders: {{labels}} (type labels after :Entity)
// params: $rows [{id, props}], $load_id, $created_at
// columns: n (rows written)
UNWIND $rows AS row
MERGE (n:Entity{{labels}} {id: row.id})
ON CREATE SET n.load_id = $load_id, n.created_at = $created_at
SET n += row.props
RETURN count(n) AS n
