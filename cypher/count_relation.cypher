// Edges of one type.
// placeholders: {{type}}
// columns: n
MATCH ()-[r:{{type}}]->()
RETURN count(r) AS n
