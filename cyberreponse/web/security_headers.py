"""Security headers on every response (ASVS 3.4, 14.2): strict CSP without inline script."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
    ]
)

# Files handed over as downloads: nothing in them may run, load or be framed, even if opened in a tab.
DOWNLOAD_CSP = "default-src 'none'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; sandbox"


def init_app(app: Flask, hsts_seconds: int) -> None:
    @app.after_request
    def add_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        headers["Cross-Origin-Resource-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        if hsts_seconds:
            headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}; includeSubDomains"
        if not request.path.startswith("/static/"):
            # Pages hold incident and member data: never kept by browsers or shared caches.
            headers["Cache-Control"] = "no-store"
            headers["Pragma"] = "no-cache"
        if (response.mimetype or "").startswith("text/") and "charset" not in (response.content_type or ""):
            response.content_type = f"{response.mimetype}; charset=utf-8"
        return response
