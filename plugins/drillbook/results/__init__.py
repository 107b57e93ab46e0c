"""Drill results on the site: what the drill log, transcripts and hand-written history say about each runbook.

Pure models and functions (``history``, ``status``, ``transcript``, ``collect``,
``render``) plus the Markdown tree processor that stamps runbook pages. The MkDocs
plugin reads the files and hands the data in.
"""
