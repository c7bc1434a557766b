"""Cypher queries, one per file, loaded by name through :mod:`kgplatform.queries`."""
