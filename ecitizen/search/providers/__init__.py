"""The providers of the apps installed with the search: the fixed pages, services, kinds of
problem to report, and fees and taxes. Imported once, from ``SearchConfig.ready()``.

Apps added later register their own provider from their ``AppConfig.ready()`` (see
:mod:`ecitizen.search.registry`); this package only holds those of apps that came first.
"""

from ecitizen.search.providers.fees import FeesAndTaxesProvider
from ecitizen.search.providers.pages import PagesProvider
from ecitizen.search.providers.problems import ProblemCategoryProvider
from ecitizen.search.providers.services import ServiceProvider
from ecitizen.search.registry import register

register(PagesProvider())
register(ServiceProvider())
register(ProblemCategoryProvider())
register(FeesAndTaxesProvider())
