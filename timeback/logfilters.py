"""No personal data in logs (docs/access.md#no-personal-data-in-logs): a filter on every log handler
that masks email addresses and secrets in the rendered message (a URL's query, an exception's
text)."""

import logging
import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SECRET_PARAM = re.compile(
    r"(?i)\b(password|passwd|client_secret|code_verifier|code|access_token|refresh_token|"
    r"id_token|token|secret)=([^&\s'\"]+)"
)


def redact(text: str) -> str:
    return SECRET_PARAM.sub(r"\1=[redacted]", EMAIL.sub("[email]", text))


class RedactPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
