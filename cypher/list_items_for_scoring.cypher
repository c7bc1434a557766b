// Candidate items of an interaction relation (every entity some user has one), each with whether
// $user already has it or rejected it as a prediction: what on-demand scoring ranks for a user a
// job did not cover.
// placeholders: {{type}} (the interaction relation, as in $relation)
// params: $user, $relation
// columns: item, name, has
MATCH ()-[:{{type}}]->(i:Entity)
WITH DISTINCT i
OPTIONAL MATCH (u:Entity {id: $user})-[own:{{type}}]->(i)
OPTIONAL MATCH (:Entity {id: $user})-[rejected:PREDICTED {relation: $relation, status: 'rejected'}]->(i)
RETURN i.id AS item, i.name AS name, own IS NOT NULL OR rejected IS NOT NULL AS has
