"""The search stage: dense (FAISS) + keyword (BM25) retrieval, fusion and filters; index builds."""
