from . import unsubscribe
from . import preferences
