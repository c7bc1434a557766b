"""kgplatform: knowledge-graph completion and explainable recommendation.

The core library. It talks to a graph store (embedded FalkorDB by default, Neo4j in
production) through :class:`kgplatform.store.base.GraphStore`, and imports neither Flask nor
Celery so that the CLI, the web app and the workers share one code path.
"""

__version__ = "0.1.0"
