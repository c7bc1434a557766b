// Upsert fact edges of one relation type between existing entities; replays change nothing.
// placeholders: {{type}}
// params: $rows [{h, t, props}], $load_id
// columns: n (rows written)
UNWIND $rows AS row
MATCH (h:Entity {id: row.h})
MATCH (t:Entity {id: row.t})
MERGE (h)-[r:{{type}}]->(t)
ON CREATE SET r.load_id = $load_id
SET r += row.props
RETURN count(r) AS n
