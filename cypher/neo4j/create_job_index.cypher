// Neo4j: a uniqueness constraint on Job.id (it brings its own index); idempotent.
// params: none
CREATE CONSTRAINT job_id IF NOT EXISTS FOR (j:Job) REQUIRE j.id IS UNIQUE
