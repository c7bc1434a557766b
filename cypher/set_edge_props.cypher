// Set properties on existing fact edges of one type: a load's changes to edges that existed before
// it (once their old values are kept), and a rollback putting those old values back (a null
// removes a key the load added).
// placeholders: {{type}}
// params: $rows [{h, t, props}]
// columns: n
UNWIND $rows AS row
MATCH (h:Entity {id: row.h})
WITH h, row
MATCH (t:Entity {id: row.t})
WITH h, t, row
MATCH (h)-[r:{{type}}]->(t)
SET r += row.props
RETURN count(r) AS n
