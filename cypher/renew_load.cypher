// Extend the lease of a load $worker still owns (its heartbeat); no row counted means it was taken over.
// params: $load_id, $worker, $now_ms, $lease_ms
// columns: n
MATCH (l:Load {id: $load_id, owner: $worker})
SET l.lease_until = $now_ms + $lease_ms
RETURN count(l) AS n
