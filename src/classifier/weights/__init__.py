"""Pretrained encoder weights: the offline e5 conversion and the cache they live in."""
