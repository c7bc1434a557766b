// Remove a load's ledger record, only if $worker owns it: the commit of a finished load, or the
// last step of a rollback. 0 means another process took the load over (recovery rolled it back).
// params: $load_id, $worker
// columns: n
MATCH (l:Load {id: $load_id, owner: $worker})
DELETE l
RETURN count(*) AS n
