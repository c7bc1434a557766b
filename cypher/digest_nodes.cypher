// Every node with its labels and properties, for a digest of the whole graph (the fault and
// hostile-query checks compare one before and after). Nodes are named by their `id` property.
// columns: labels, props
MATCH (n)
RETURN labels(n) AS labels, properties(n) AS props
