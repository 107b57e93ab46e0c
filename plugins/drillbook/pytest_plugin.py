"""pytest plugin: collects runbooks as drill items (see the drill package)."""
