"""Neo4j dialect overrides: a file here replaces the same-named file in ``cypher/``."""
