from . import test_pressure_rules
from . import test_pressure_check
from . import test_pressure_suggest
from . import test_pressure_send
from . import test_pressure_dashboard
from . import test_pressure_concurrency
from . import test_pressure_one_pass
from . import test_bad_input
