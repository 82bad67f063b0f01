"""Test support: doubles of outside services (a local fake arXiv) that tests and the dev command share."""
