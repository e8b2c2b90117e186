"""A webhook receiver for cpq's events: verifies each request with the Standard Webhooks library, applies each
event once (deliveries are at least once: a duplicate is acknowledged and skipped), answers 204.

    python examples/webhook_receiver.py --port 9000 --secret whsec_…

Replace `handle` with what your system does: tell finance what to invoice, provision the new seats.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Receiver(ThreadingHTTPServer):
    """An HTTP server that verifies and records every event; `answer` is the status it replies with (5xx: it fails
    every request, as a receiver that is broken does)."""

    daemon_threads = True

    def __init__(self, secret: str | None = None, *, port: int = 0, answer: int = 204, echo: bool = False) -> None:
        """Without a secret yet (the endpoint registered at `url` gives it), it refuses everything until `trust`."""
        super().__init__(("127.0.0.1", port), _Handler)
        self.webhook: Webhook | None = None if secret is None else Webhook(secret)
        self.answer = answer
        self.echo = echo
        self.lock = threading.Lock()
        #: Every verified request, duplicates included: (webhook-id, the event as sent).
        self.requests: list[tuple[str, dict[str, Any]]] = []
        #: Every request that reached it.
        self.hits = 0
        #: Requests whose signature did not verify.
        self.rejected = 0
        self.applied: set[str] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/cpq-events"

    def trust(self, secret: str) -> None:
        self.webhook = Webhook(secret)

    def handle_event(self, message_id: str, event: dict[str, Any]) -> None:
        """Apply an event once; called with the verified payload."""
        with self.lock:
            self.requests.append((message_id, event))
            if message_id in self.applied:
                return
            self.applied.add(message_id)
        if self.echo:
            data = event["data"]
            print(f"{event['type']:<32} contract {data['contract_id']} v{data['contract_version']}", flush=True)

    def start(self) -> Receiver:
        threading.Thread(target=self.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"  # keep-alive: the sender reuses its connections

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with self.server.lock:
            self.server.hits += 1
        if self.server.answer >= 500:  # broken: fails before it looks at the request
            self.send_response(self.server.answer)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        try:
            if self.server.webhook is None:
                raise WebhookVerificationError("no secret yet")
            event = self.server.webhook.verify(body, dict(self.headers.items()))
        except WebhookVerificationError:
            with self.server.lock:
                self.server.rejected += 1
            self.send_response(400)
            self.send_header("content-length", "0")
            self.end_headers()
            return
        self.server.handle_event(self.headers["webhook-id"], event)
        self.send_response(self.server.answer)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the receiver prints events, not access lines."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--secret", required=True, help="the endpoint's secret, as POST /v1/webhook-endpoints gave it")
    parser.add_argument("--quiet", action="store_true", help="print the counts when stopped, not each event")
    arguments = parser.parse_args()
    receiver = Receiver(arguments.secret, port=arguments.port, echo=not arguments.quiet)
    for number in (signal.SIGINT, signal.SIGTERM):  # also when started in the background (`&` ignores SIGINT)
        signal.signal(number, signal.default_int_handler)
    print(f"listening on {receiver.url}", flush=True)
    try:
        receiver.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        receiver.server_close()
        print(json.dumps({"received": len(receiver.requests), "applied": len(receiver.applied),
                          "rejected": receiver.rejected}))


if __name__ == "__main__":
    main()
