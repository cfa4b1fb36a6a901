"""Who said it: voices, embeddings and the attribution that decides between channels, voices and words."""
