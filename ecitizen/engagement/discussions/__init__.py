"""Threaded discussions where officials answer: topic boards, follows and digests, flags and moderation."""
