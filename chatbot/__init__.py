"""novel chatbot: a terminal chatbot that learns to talk like the characters of a novel.

The data flows one way, one module per stage:
novel file -> ``textio`` (decode, normalise, sentences) -> ``segment`` (jieba tokens)
-> ``dialogue`` (query/reply pairs) + ``vectors`` (word2vec) -> model -> replies -> screen.
``prepare`` runs the corpus stages; ``layout`` is the one place that knows file names.
"""

__version__ = "0.1.0"
