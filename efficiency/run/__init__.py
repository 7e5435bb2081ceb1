"""Running a refresh: the command line, the plan (what is stale), the worker that builds and
measures, row assembly, and the executor that runs jobs in worker processes."""
