"""A case from submission to its end: the one writer of cases, the workflow, views, handling, documents, deadlines."""
