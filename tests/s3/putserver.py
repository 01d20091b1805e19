#!/usr/bin/env python3
"""putserver.py -- a WebDAV-style ingest origin for the HTTP PUT tests.

  putserver.py ROOT PORTFILE LOG [PORT]

PUT stores the body under ROOT (folders made as needed), DELETE removes,
GET reads back; every request is one "METHOD PATH STATUS CONTENT-TYPE
CACHE-CONTROL" line in LOG, in the order they came.
"""
import http.server
import os
import sys
import threading
import urllib.parse

ROOT, PORTFILE, LOG = sys.argv[1:4]
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def where(self):
        p = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        full = os.path.normpath(os.path.join(ROOT, p.lstrip('/')))
        if not full.startswith(os.path.abspath(ROOT)):
            return None
        return full

    def answer(self, code, body=b''):
        # logged before the answer goes: a request the client sends after
        # reading this answer is always logged after it
        with lock:
            with open(LOG, 'a') as f:
                f.write('%s %s %d %s %s\n' % (
                    self.command, self.path, code,
                    self.headers.get('Content-Type', '-'),
                    (self.headers.get('Cache-Control') or '-').replace(' ', '')))
        self.send_response(code)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_PUT(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n)
        full = self.where()
        if full is None:
            return self.answer(403)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full + '.part', 'wb') as f:
            f.write(body)
        os.rename(full + '.part', full)
        self.answer(201)

    def do_DELETE(self):
        full = self.where()
        if full is None or not os.path.isfile(full):
            return self.answer(404)
        os.unlink(full)
        self.answer(204)

    def do_GET(self):
        full = self.where()
        if full is None or not os.path.isfile(full):
            return self.answer(404)
        with open(full, 'rb') as f:
            self.answer(200, f.read())


srv = http.server.ThreadingHTTPServer(
    ('127.0.0.1', int(sys.argv[4]) if len(sys.argv) > 4 else 0), Handler)
srv.daemon_threads = True
os.makedirs(ROOT, exist_ok=True)
with open(PORTFILE + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + '.tmp', PORTFILE)
srv.serve_forever()
