// Remove a load's ledger record and the properties it kept for a rollback, only if $worker owns
// it: the commit of a finished load, or the last step of a rollback. 0 means another process took
// the load over (recovery rolled it back).
// params: $load_id, $worker
// columns: n
MATCH (l:Load {id: $load_id, owner: $worker})
OPTIONAL MATCH (u:LoadUndo {load_id: $load_id})
WITH l, collect(u) AS undo
FOREACH (x IN undo | DELETE x)
DELETE l
RETURN count(*) AS n
