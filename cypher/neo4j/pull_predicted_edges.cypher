// Neo4j: visible, not rejected predictions of one relation as pairs of elementIds.
// params: $relation
// columns: h, t
MATCH (h:Entity)-[p:PREDICTED]->(t:Entity)
WHERE p.relation = $relation AND p.visible = true AND p.status <> 'rejected'
RETURN elementId(h) AS h, elementId(t) AS t
