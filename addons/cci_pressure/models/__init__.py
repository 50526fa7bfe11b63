from . import cci_mailing_category
from . import cci_pressure_rule
from . import cci_pressure_engine
from . import cci_interaction
from . import mail_mass_mailing
from . import res_partner
from . import cci_pressure_report
