"""The open data catalogue: datasets and their resources, published by agencies (issue 16)."""
