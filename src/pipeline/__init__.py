"""veille: a media-monitoring pipeline for state news outlets (library)."""

__version__ = "0.1.0"
