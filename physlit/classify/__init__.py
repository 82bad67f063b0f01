"""Category suggestion (stage: classify): arXiv categories for a title and abstract, from the classifier
physlit fine-tunes on the corpus (`train classifier`, physlit.ml.classifier)."""
