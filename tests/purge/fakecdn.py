"""fakecdn.py -- what the purge fakes share: a threaded HTTP server on
127.0.0.1 that logs each request it took (JSON lines) and prints its port.
Each fake (cloudflare.py, fastly.py, cloudfront.py) names the document
it follows and refuses what that service refuses."""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    log_path = None

    def log_message(self, *a):
        pass

    def body(self):
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, body, ctype="application/json", headers=()):
        data = body if isinstance(body, bytes) else (
            json.dumps(body) if not isinstance(body, str) else body).encode()
        self.send_response(status)
        self.send_header("content-type", ctype)
        self.send_header("content-length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def record(self, **what):
        with open(self.log_path, "a") as f:
            f.write(json.dumps(dict(method=self.command, path=self.path,
                                    **what)) + "\n")


def serve(handler, log_path):
    handler.log_path = log_path
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    print(srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


def arg(i, default=None):
    return sys.argv[i] if len(sys.argv) > i else default
