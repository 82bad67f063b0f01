"""Dev-only tools (`manage.py fake_arxiv`); installed only when DEBUG or PHYSLIT_DEVTOOLS=1."""
