"""Date and time formats per language (FORMAT_MODULE_PATH): one way of writing dates in each.

Use the ``display_date`` / ``display_datetime`` / ``display_time`` template filters (or
``ecitizen.core.dates``) to show a date: they read these formats and also write the English
"11:41am", "midday" and "midnight" that Django's own format characters cannot express.
"""
