"""An in-process SMTP server for tests: the app talks real SMTP to it over a socket."""

import email
import email.policy
import logging
import socket

from aiosmtpd.controller import Controller

# aiosmtpd logs every connection at INFO from its own thread, which can outlive a test's captured
# stream and then prints "I/O operation on closed file" tracebacks: only its warnings matter here
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _Recorder:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RecordingSMTPServer:
    def __init__(self, recorder: _Recorder | None = None):
        self.port = _free_port()
        self._recorder = recorder or _Recorder()
        self._controller = Controller(self._recorder, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self._recorder.messages

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()
