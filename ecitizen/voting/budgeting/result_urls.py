"""URLs of budgeting's result pages: ``public`` under /budgeting/, ``staff`` under /staff/budgeting/."""

from __future__ import annotations

public: list = []
staff: list = []
