"""All Celery tasks: thin doors to stage functions; the only place stages are chained."""
