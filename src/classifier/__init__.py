"""classifier: sentence classification of Indonesian news on ASN election neutrality."""

__version__ = "0.1.0"
