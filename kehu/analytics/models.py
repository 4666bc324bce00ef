"""The analytics app's models, one sub-package per concept."""

from kehu.analytics.adoption.models import AdoptionDay  # noqa: F401
from kehu.analytics.dashboards.models import DashboardLayout  # noqa: F401
from kehu.analytics.data_quality.models import PeopleQuality  # noqa: F401
from kehu.analytics.goals.models import Goal  # noqa: F401
from kehu.analytics.roi.models import RoiInputs  # noqa: F401
