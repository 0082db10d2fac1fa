"""Arabic: "6 ديسمبر 2026", "11:41", "6 ديسمبر 2026، 11:41" (24-hour clock).

One order, day then month then year, read right to left like the rest of the page; month names
are Arabic (Django's catalogue: يناير … ديسمبر). Digits are the Western Arabic digits 0–9, as
in reference numbers, amounts and what people type into forms, so a date reads the same in a
letter, on screen and in a search box. No "ص"/"م": the 24-hour clock needs none.
"""

DATE_FORMAT = "j F Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y، H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 6  # Saturday
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d %m %Y", "%d-%m-%Y", "%d.%m.%Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%d/%m/%Y %H:%M", "%Y-%m-%d"]
