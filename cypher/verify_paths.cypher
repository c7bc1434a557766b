// Which of the given fact edges exist now, with the names of their ends. Explanation paths a job
// stored are re-checked with this before they are shown, so a path whose edge was deleted since
// is never shown.
// placeholders: {{types}} (the relation types among the hops)
// params: $hops [{h, r, t}]
// columns: h, r, t, h_name, t_name
UNWIND $hops AS hop
MATCH (h:Entity {id: hop.h})-[e:{{types}}]->(t:Entity {id: hop.t})
WHERE type(e) = hop.r
RETURN DISTINCT hop.h AS h, hop.r AS r, hop.t AS t, h.name AS h_name, t.name AS t_name
