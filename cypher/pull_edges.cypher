// Fact edges of one type as pairs of internal ids (FalkorDB answers these as plain integers).
// placeholders: {{type}}
// columns: h, t
MATCH (h:Entity)-[:{{type}}]->(t:Entity)
RETURN id(h) AS h, id(t) AS t
