// Index Entity.id, which every MERGE and lookup goes through.
// FalkorDB: the unique constraint is added by the GRAPH.CONSTRAINT command, which needs this index.
// params: none
CREATE INDEX FOR (n:Entity) ON (n.id)
