// Neo4j: entities whose name has every given word within one edit (Lucene fuzzy terms on the
// entity_name full-text index), best match first. The words are letters and digits only.
// params: $words, $limit
// columns: id, labels, props
CALL db.index.fulltext.queryNodes('entity_name', reduce(q = '', w IN $words | q + '+' + w + '~1 '))
YIELD node, score
RETURN node.id AS id, labels(node) AS labels, properties(node) AS props
ORDER BY score DESC, id
LIMIT $limit
