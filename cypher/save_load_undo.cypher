// Keep the properties a load is about to overwrite, before it writes (one record per batch). The
// values are JSON text: neither store keeps a map as a property, and Neo4j's lists hold one type.
// $entities is JSON [[id, {key: old value or null}]], $edges JSON [[head id, type, tail id, {...}]].
// params: $load_id, $part, $entities, $edges
// columns: part
CREATE (u:LoadUndo {load_id: $load_id, part: $part, entities: $entities, edges: $edges})
RETURN u.part AS part
