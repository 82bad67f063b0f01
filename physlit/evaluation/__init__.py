"""Evaluation: metrics of search (and later answers and summaries) on a question file, as tables."""
