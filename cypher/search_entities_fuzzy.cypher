// Entities whose name has every given word within one typo (full-text index, Levenshtein distance
// 1), best match first: the fuzzy half of a search. The words are letters and digits only.
// params: $words, $limit
// columns: id, labels, props
CALL db.idx.fulltext.queryNodes('Entity', reduce(q = '', w IN $words | q + '%' + w + '% '))
YIELD node, score
RETURN node.id AS id, labels(node) AS labels, properties(node) AS props
ORDER BY score DESC, id
LIMIT $limit
