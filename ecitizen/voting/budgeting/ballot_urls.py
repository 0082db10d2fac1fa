"""URLs of budgeting's ballot pages: ``public`` under /budgeting/, ``staff`` under /staff/budgeting/."""

from __future__ import annotations

public: list = []
staff: list = []
