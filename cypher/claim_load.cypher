// Take an unfinished load over from its dead $owner to roll it back: no row back means another
// process took it first. Bumping l.version first takes the node's write lock on Neo4j, so the
// owner check reads the latest committed state; FalkorDB runs each query atomically anyway.
// params: $load_id, $owner, $worker, $now_ms, $lease_ms
// columns: load_id
MATCH (l:Load {id: $load_id})
SET l.version = coalesce(l.version, 0) + 1
WITH l
WHERE l.owner = $owner
SET l.owner = $worker, l.status = 'rolling_back', l.lease_until = $now_ms + $lease_ms
RETURN l.id AS load_id
