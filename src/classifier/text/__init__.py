"""Text: read raw articles, clean them and split them into sentences with offsets."""
