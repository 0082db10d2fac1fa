"""Petitions: sponsors, moderation, signatures, thresholds for a response and a debate, counts by district."""
