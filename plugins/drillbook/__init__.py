"""drillbook: incident-response runbooks as a static site, drilled against a sandbox."""

__version__ = "0.1.0"
