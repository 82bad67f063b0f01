"""Machine-learning code of physlit: the only package that imports torch, transformers, faiss or onnxruntime.

No Django here. Each model has one owning module that loads it lazily, once per process (never at import
time); callers pass settings in as arguments. Importing this package imports nothing heavy.
"""
