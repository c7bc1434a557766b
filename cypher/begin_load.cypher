// Record a load in the load ledger before its first write: while the record exists the load is
// unfinished, and recovery rolls it back once its owner is gone (see kgplatform/store/ledger.py).
// params: $load_id, $worker, $now, $now_ms, $lease_ms
// columns: load_id
CREATE (l:Load {id: $load_id, status: 'writing', owner: $worker, started_at: $now, lease_until: $now_ms + $lease_ms})
RETURN l.id AS load_id
