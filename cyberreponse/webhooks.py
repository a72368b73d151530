"""Chat webhooks (Mattermost incoming webhooks, Matrix hookshot): one JSON POST, retried with backoff.

The body is `{"text": ..., "username": ...}`, which both accept. Every attempt has a timeout; server
errors (5xx, 429) and connection failures are retried with exponential backoff; a webhook that still
fails is logged and given up (an alert e-mail has already been queued: the webhook is a courtesy).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import requests

from cyberreponse.logs import log_event

logger = logging.getLogger(__name__)
RETRIED_STATUSES = frozenset({429, 500, 502, 503, 504})


def post_message(
    url: str,
    text: str,
    *,
    timeout: float,
    attempts: int,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> bool:
    """True when the webhook accepted the message (2xx), within `attempts` tries."""
    payload = {"text": text, "username": "CybeRéponse"}
    for attempt in range(1, attempts + 1):
        try:
            response = requests.post(url, json=payload, timeout=timeout, allow_redirects=False)
            if 200 <= response.status_code < 300:
                log_event(logger, "webhook.sent", attempt=attempt)
                return True
            reason = f"HTTP {response.status_code}"
            if response.status_code not in RETRIED_STATUSES:
                log_event(logger, "webhook.refused", logging.WARNING, status=response.status_code)
                return False
        except requests.RequestException as error:
            reason = type(error).__name__
        log_event(logger, "webhook.attempt_failed", logging.WARNING, attempt=attempt, reason=reason)
        if attempt < attempts:
            sleep(backoff * 2 ** (attempt - 1))
    log_event(logger, "webhook.given_up", logging.ERROR, attempts=attempts)
    return False
