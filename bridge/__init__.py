"""bridge: a local companion for the incident commander of a production outage."""

__all__ = ["__version__"]

__version__ = "0.1.0"
