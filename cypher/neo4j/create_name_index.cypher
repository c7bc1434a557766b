// Neo4j: a full-text (Lucene) index on Entity.name, for fuzzy search; idempotent.
// params: none
CREATE FULLTEXT INDEX entity_name IF NOT EXISTS FOR (n:Entity) ON EACH [n.name]
