// Readable text for relation types (what text models and explanations read), one node per type.
// RelationType nodes are not Entities: pulls and fact queries never see them.
// params: $rows [{type, text}]
// columns: n
UNWIND $rows AS row
MERGE (r:RelationType {type: row.type})
SET r.text = row.text
RETURN count(r) AS n
