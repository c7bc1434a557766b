// Which of the given fact edges exist now, with the names of their ends. Explanation paths a job
// stored are re-checked with this before they are shown, so a path whose edge was deleted since
// is never shown. Both ends are found by id before the edge is looked for: matched from one end,
// FalkorDB walked all of a user's edges of the type and filtered them (3,150 rows for 63 hops,
// 1.8 ms; this way 63 rows, 0.8 ms).
// placeholders: {{types}} (the relation types among the hops)
// params: $hops [{h, r, t}]
// columns: h, r, t, h_name, t_name
UNWIND $hops AS hop
MATCH (h:Entity {id: hop.h})
WITH h, hop
MATCH (t:Entity {id: hop.t})
WITH h, t, hop
MATCH (h)-[e:{{types}}]->(t)
WHERE type(e) = hop.r
RETURN DISTINCT hop.h AS h, hop.r AS r, hop.t AS t, h.name AS h_name, t.name AS t_name
