// Neo4j: fact edges of one type as pairs of elementIds.
// placeholders: {{type}}
// columns: h, t
MATCH (h:Entity)-[:{{type}}]->(t:Entity)
RETURN elementId(h) AS h, elementId(t) AS t
