"""The web layer: pages and JSON API; thin views over corpus selectors and stage functions."""
