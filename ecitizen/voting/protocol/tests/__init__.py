"""Tests of the referendum protocol (no database)."""
