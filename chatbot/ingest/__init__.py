"""Novel file -> corpus directory, with no torch: ``textio`` (decode, normalise,
sentences) -> ``segment`` (jieba tokens) -> ``dialogue`` (query/reply pairs) and
``vectors`` (word2vec); ``prepare`` runs them with a manifest."""
