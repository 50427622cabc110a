"""People's interfaces: citizen portal, agent desk, agency inbox, privacy desk (issue 7)."""

from occ.settings.environment import BASE_DIR, env

STATICFILES_DIRS = [BASE_DIR / "static"]
LOGIN_URL = "/desk/login/"
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="1212 OCC")
# Where Playwright tests write their screenshots (make test names it; git-ignored).
OCC_SCREENSHOT_DIR = env.str("OCC_SCREENSHOT_DIR", default=str(BASE_DIR / "test-artifacts" / "screenshots"))

BEAT: dict = {}
