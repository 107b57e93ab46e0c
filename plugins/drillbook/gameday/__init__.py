"""Game days: scripted incidents that drill several runbooks in sequence against one sandbox."""
