// Entities whose name (or, for an unnamed entity, id) contains the text, any case, or whose id is
// the text: the exact id first, then names that start with the text, then the shortest names.
// params: $text, $limit
// columns: id, labels, props
MATCH (n:Entity)
WITH n, toLower(coalesce(n.name, n.id)) AS label, toLower($text) AS text
WHERE n.id = $text OR label CONTAINS text
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props
ORDER BY CASE WHEN n.id = $text THEN 0 WHEN label STARTS WITH text THEN 1 ELSE 2 END, size(label), n.id
LIMIT $limit
