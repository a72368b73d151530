"""Flask extensions, created unbound here and bound to an app in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Keyed on the client address as seen after ProxyFix, which trusts only configured proxies.
limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)
