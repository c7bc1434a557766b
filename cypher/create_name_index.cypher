// A full-text index on Entity.name, for fuzzy search (a typo in a name still finds it).
// FalkorDB: RediSearch under the hood; "already indexed" on a second call is ignored by the caller.
// params: none
CALL db.idx.fulltext.createNodeIndex('Entity', 'name')
