#!/usr/bin/env python3
"""webhook_receiver.py -- a receiver of sv-publish webhooks for the tests.

Verifies every POST the way man sv-publish (WEBHOOKS) tells receivers to:
the SV-Signature header is "t=<unix seconds>,v1=<hex>" (several v1 allowed),
v1 is HMAC-SHA256 under $SV_WEBHOOK_SECRET of "<t>." followed by the raw
body, compared in constant time; t more than --tolerance seconds (300) away
from now is refused, so an old request replayed is refused.  Answers 204
when good, 400 when the header is missing or malformed, 401 when the
signature or the time is wrong.  Prints {"port": N} once listening, and one
JSON line per request on --log (default stderr).

usage: webhook_receiver.py [--tolerance S] [--log FILE]
"""
import argparse
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def verify(secret, header, body, now, tolerance):
    """'ok', or why the request is refused: 'malformed', 'signature',
    'time'."""
    t, sigs = None, []
    for field in (header or "").split(","):
        k, _, v = field.strip().partition("=")
        if k == "t" and v.isdigit():
            t = int(v)
        elif k == "v1":
            sigs.append(v)
    if t is None or not sigs:
        return "malformed"
    want = hmac.new(secret, b"%d." % t + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(want, s) for s in sigs):
        return "signature"
    if abs(now - t) > tolerance:
        return "time"
    return "ok"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tolerance", type=int, default=300)
    ap.add_argument("--log")
    a = ap.parse_args()
    secret = os.environ.get("SV_WEBHOOK_SECRET", "").encode()
    if len(secret) < 32:
        sys.exit("webhook_receiver.py: SV_WEBHOOK_SECRET needs 32 bytes")
    log = open(a.log, "a", buffering=1) if a.log else sys.stderr

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n)
            verdict = verify(secret, self.headers.get("SV-Signature"), body,
                             int(time.time()), a.tolerance)
            code = {"ok": 204, "malformed": 400}.get(verdict, 401)
            try:
                event = json.loads(body).get("event")
            except (ValueError, AttributeError):
                event = None
            log.write(json.dumps({
                "status": code, "verdict": verdict, "event": event,
                "delivery": self.headers.get("SV-Delivery"),
                "type": self.headers.get("Content-Type")}) + "\n")
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    srv = HTTPServer(("127.0.0.1", 0), Handler)
    print(json.dumps({"port": srv.server_address[1]}), flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
