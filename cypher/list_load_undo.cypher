// The properties a load overwrote, as kept before it wrote them (see save_load_undo).
// params: $load_id
// columns: part, entities, edges
MATCH (u:LoadUndo {load_id: $load_id})
RETURN u.part AS part, u.entities AS entities, u.edges AS edges
ORDER BY part
