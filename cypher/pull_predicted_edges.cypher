// Visible, not rejected predictions of one relation, as pairs of internal ids.
// params: $relation
// columns: h, t
MATCH (h:Entity)-[p:PREDICTED]->(t:Entity)
WHERE p.relation = $relation AND p.visible = true AND p.status <> 'rejected'
RETURN id(h) AS h, id(t) AS t
