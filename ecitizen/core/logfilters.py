import logging

from ecitizen.core import context


class RequestIdLogFilter(logging.Filter):
    """Stamp every log line with the id of the request that wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = context.current().request_id or "-"
        return True
