"""The corpus stage: models of papers, versions, categories and harvest state; shared read-only selectors."""
