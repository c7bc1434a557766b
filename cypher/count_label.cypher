// Nodes with one label.
// placeholders: {{labels}} (exactly one)
// columns: n
MATCH (n{{labels}})
RETURN count(n) AS n
