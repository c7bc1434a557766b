// Relationship types in the graph (PREDICTED included; callers filter it).
// columns: type
CALL db.relationshipTypes() YIELD relationshipType
RETURN relationshipType AS type
