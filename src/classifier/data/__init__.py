"""Data: annotations, weak labels, corpora and the grouped, stratified dataset build."""
