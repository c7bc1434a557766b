// Fact paths of exactly {{hops}} edges between two entities, any direction; lazy under LIMIT.
// placeholders: {{hops}}
// params: $source, $target, $limit
// columns: ids, names, types, starts (the start node id of each edge: its direction)
MATCH (a:Entity {id: $source})
MATCH (b:Entity {id: $target})
MATCH p = (a)-[*{{hops}}]-(b)
WHERE none(r IN relationships(p) WHERE type(r) = 'PREDICTED')
RETURN [n IN nodes(p) | n.id] AS ids, [n IN nodes(p) | n.name] AS names,
       [r IN relationships(p) | type(r)] AS types, [r IN relationships(p) | startNode(r).id] AS starts
LIMIT $limit
