"""Every model of the sales app, for Django (app label `sales`) and for code that wants them all.

Each concept keeps its models in its own sub-package (`deals/`, `leads/`, `quotes/`, `catalog/`,
`forecast/`, `assignment/`, `scoring/`, `lost_reasons/`); the tables and the migrations stay the
app's.
"""

from kehu.sales.assignment.models import AssignmentRule
from kehu.sales.catalog.models import PriceList, PriceListItem, Product
from kehu.sales.common import ALIVE, _localised, company_currency
from kehu.sales.daily.models import DailyRun
from kehu.sales.deals.models import Deal, DealContact, ExchangeRate, Pipeline, Stage, StageChange
from kehu.sales.forecast.models import SalesTarget
from kehu.sales.leads.models import Lead
from kehu.sales.lost_reasons.models import LostReason
from kehu.sales.quotes.models import DocumentCounter, Order, OrderLine, Quote, QuoteLine
from kehu.sales.scoring.models import LearnedScoreModel, ScoringRule
from kehu.sales.seller.models import SellerProfile

__all__ = [
    "ALIVE", "AssignmentRule", "DailyRun", "Deal", "DealContact", "DocumentCounter", "ExchangeRate",
    "LearnedScoreModel", "Lead", "LostReason", "Order", "OrderLine", "Pipeline", "PriceList",
    "PriceListItem", "Product", "Quote", "QuoteLine", "SalesTarget", "ScoringRule", "SellerProfile",
    "Stage", "StageChange",
    "_localised", "company_currency",
]  # fmt: skip
