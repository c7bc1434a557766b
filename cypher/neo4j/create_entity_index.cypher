// Neo4j: a uniqueness constraint on Entity.id (it brings its own index); idempotent.
// params: none
CREATE CONSTRAINT entity_id IF NOT EXISTS FOR (n:Entity) REQUIRE n.id IS UNIQUE
