// Keep the properties a load is about to overwrite, before it writes (one record per batch). The
// values are JSON text: neither store keeps a map as a property, and Neo4j's lists hold one type.
// $kind is 'entities' ($records: JSON [[id, {key: old value or null}]]) or 'edges' ($records: JSON
// [[head id, type, tail id, {key: old value or null}]]); $part orders the records in time.
// params: $load_id, $part, $kind, $records
CREATE (:LoadUndo {load_id: $load_id, part: $part, kind: $kind, records: $records})
