// The properties a load overwrote, as kept before it wrote them (see save_load_undo), oldest first.
// params: $load_id
// columns: kind, records
MATCH (u:LoadUndo {load_id: $load_id})
WITH u ORDER BY u.part
RETURN u.kind AS kind, u.records AS records
