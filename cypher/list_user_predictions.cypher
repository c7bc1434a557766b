// A job's visible, not rejected predictions of one relation for one user, best first, leaving out
// the items the user already has (a fact edge may have arrived after the job ran), with the
// explanation paths the job stored (JSON, or null).
// placeholders: {{type}} (the interaction relation, as in $relation)
// params: $user, $relation, $job_id, $limit
// columns: item, name, score, paths
MATCH (u:Entity {id: $user})-[p:PREDICTED {job_id: $job_id}]->(i:Entity)
WHERE p.visible = true AND p.status <> 'rejected' AND p.relation = $relation
  AND NOT (u)-[:{{type}}]->(i)
RETURN i.id AS item, i.name AS name, p.score AS score, p.paths AS paths
ORDER BY score DESC, item
LIMIT $limit
