// The unfinished loads of the ledger: being written, or being rolled back.
// columns: load_id, status, owner, started_at, lease_until
MATCH (l:Load)
RETURN l.id AS load_id, l.status AS status, l.owner AS owner, l.started_at AS started_at, l.lease_until AS lease_until
ORDER BY l.started_at
