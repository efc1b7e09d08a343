"""An email backend for the worker test: slow, and writing down what it sends.

Each send first notes that it started (so the test knows when to kill the worker), waits
NOTIFICATIONS_TEST_SEND_SECONDS, then appends one JSON line per message to sent.jsonl in
NOTIFICATIONS_TEST_MAIL_DIR. A worker killed while waiting leaves no line for that send.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


def _append(path: Path, line: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


class SlowRecordingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        directory = Path(os.environ["NOTIFICATIONS_TEST_MAIL_DIR"])
        delay = float(os.environ.get("NOTIFICATIONS_TEST_SEND_SECONDS", "5"))
        for message in email_messages:
            record = {
                "pid": os.getpid(),
                "to": list(message.to),
                "subject": message.subject,
                "message_id": message.extra_headers.get("Message-ID", ""),
            }
            _append(directory / "started.jsonl", json.dumps(record))
            time.sleep(delay)
            _append(directory / "sent.jsonl", json.dumps(record))
        return len(email_messages)
