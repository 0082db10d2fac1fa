"""Public records: the open data catalogue (``datasets``) and freedom-of-information requests (``foi``)."""
