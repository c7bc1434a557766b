"""Completion jobs as durable records: submit, run under a lease, follow, cancel, recover.

``records`` holds the job records, ``specs`` a job's spec as JSON, ``dispatch`` submission, and
``runner`` how a worker (or the CLI, in-process) runs a job.
"""
