// Accept a visible prediction: it becomes a fact edge of its relation type, with provenance.
// placeholders: {{type}} (the prediction's relation)
// params: $head, $tail, $relation, $job_id, $now
// columns: n (facts created or matched)
MATCH (h:Entity {id: $head})-[p:PREDICTED {relation: $relation, job_id: $job_id}]->(t:Entity {id: $tail})
WHERE p.visible = true
SET p.status = 'accepted'
MERGE (h)-[f:{{type}}]->(t)
ON CREATE SET f.source_job = $job_id, f.score = p.score, f.accepted_at = $now
RETURN count(f) AS n
