"""English, in the GOV.UK style: "6 December 2026", "11:41am", "6 December 2026, 11:41am".

``P`` is written by ``ecitizen.core.dates`` as "11:41am", "11am", "midday" or "midnight"
(Django's own ``P`` writes "11:41 a.m." and "noon", which GOV.UK style does not use).
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "P"
DATETIME_FORMAT = "j F Y, P"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
# One format everywhere: tables show the same long date as everything else.
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 1  # Monday
# Typed dates are day first; ISO (what a native date input sends) always works.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d.%m.%Y", "%d %B %Y", "%d %b %Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d"]
