// Upsert entities of one label set; rows created by this call are tagged with the load id for rollback.
// placeholders: {{labels}} (type labels after :Entity)
// params: $rows [{id, props}], $load_id
// columns: n (rows written)
UNWIND $rows AS row
MERGE (n:Entity{{labels}} {id: row.id})
ON CREATE SET n.load_id = $load_id
SET n += row.props
RETURN count(n) AS n
