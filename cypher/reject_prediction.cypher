// Reject a visible prediction; it stays as a record but no pull or recommendation uses it.
// params: $head, $tail, $relation, $job_id
// columns: n
MATCH (h:Entity {id: $head})-[p:PREDICTED {relation: $relation, job_id: $job_id}]->(t:Entity {id: $tail})
WHERE p.visible = true
SET p.status = 'rejected'
RETURN count(p) AS n
