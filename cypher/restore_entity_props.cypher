// Put back entity properties a rolled-back load overwrote; a null removes a key the load added.
// params: $rows [{id, props}]
// columns: n
UNWIND $rows AS row
MATCH (n:Entity {id: row.id})
SET n += row.props
RETURN count(n) AS n
