"""The harvest stage: arXiv OAI-PMH and API clients and snapshot import, all writing through one upsert."""
