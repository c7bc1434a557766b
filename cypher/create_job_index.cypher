// Index Job.id: every job update and lookup goes through it.
// params: none
CREATE INDEX FOR (j:Job) ON (j.id)
