"""Drills: run a runbook's tagged shell blocks, step by step, against a sandbox production."""
