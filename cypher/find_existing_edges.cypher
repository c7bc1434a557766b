// The given fact edges of one type that exist, with their properties: a load keeps the properties
// it is about to change, so that a rollback can put them back. Both ends are found by id first.
// placeholders: {{type}}
// params: $pairs [[head id, tail id]]
// columns: h, t, props
UNWIND $pairs AS pair
MATCH (h:Entity {id: pair[0]})
WITH h, pair
MATCH (t:Entity {id: pair[1]})
WITH h, t, pair
MATCH (h)-[r:{{type}}]->(t)
RETURN pair[0] AS h, pair[1] AS t, properties(r) AS props
