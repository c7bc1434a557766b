// Queued jobs whose submitter recorded them but did not report them sent in time (it died in
// between): they are sent again, and given another grace period in case that send is lost too.
// Sending twice is harmless: only one worker can claim a job.
// params: $now_ms, $grace_ms
// columns: job_id, queue
MATCH (j:Job)
WHERE j.status = 'queued' AND j.unsent_until < $now_ms
SET j.unsent_until = $now_ms + $grace_ms
RETURN j.id AS job_id, j.queue AS queue
