// Entities whose name contains the text (case-insensitive) or whose id is the text; shortest names first.
// params: $text, $limit
// columns: id, labels, props
MATCH (n:Entity)
WHERE n.id = $text OR toLower(n.name) CONTAINS toLower($text)
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props
ORDER BY size(coalesce(n.name, n.id)), n.id
LIMIT $limit
