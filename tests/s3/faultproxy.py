#!/usr/bin/env python3
"""faultproxy.py -- an HTTP proxy in front of radosgw that injects faults.

  faultproxy.py UPSTREAM PORTFILE LOG RULES

Forwards every request to UPSTREAM (http://127.0.0.1:port) unchanged, Host
header included (SigV4 signs it).  Writes its port to PORTFILE once it
listens, and one line per request to LOG: "METHOD PATH?QUERY STATUS" (status
"drop" or "hold" for the faults).  RULES is read again on every request; each
line is "METHOD REGEX ACTION COUNT": the first COUNT requests (0: all) whose
method and path?query match get ACTION instead of the upstream's answer:
500 or 503 (an S3 error body), drop (the connection is closed without an
answer), hold:FILE (the request waits until FILE exists, then goes on), or
stall:FILE (it waits until FILE exists, then the connection is closed).
"""
import http.client
import http.server
import os
import re
import sys
import threading
import time

UPSTREAM, PORTFILE, LOG, RULES = sys.argv[1:5]
UP_HOST = UPSTREAM.split('://', 1)[1].rstrip('/')
lock = threading.Lock()
used = {}


def log(line):
    with lock:
        with open(LOG, 'a') as f:
            f.write(line + '\n')


def rule_for(method, target):
    try:
        with open(RULES) as f:
            lines = [l.split() for l in f if l.strip() and l[0] != '#']
    except FileNotFoundError:
        return None
    for i, r in enumerate(lines):
        if len(r) != 4 or r[0] not in (method, '*'):
            continue
        if not re.search(r[1], target):
            continue
        key = (i, ' '.join(r))
        with lock:
            n = used.get(key, 0)
            if int(r[3]) != 0 and n >= int(r[3]):
                continue
            used[key] = n + 1
        return r[2]
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def handle_one(self):
        n = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(n) if n > 0 else b''
        action = rule_for(self.command, self.path)
        if action == 'drop':
            log('%s %s drop' % (self.command, self.path))
            self.close_connection = True
            return
        if action is not None and action.split(':')[0] in ('hold', 'stall'):
            what, path = action.split(':', 1)
            log('%s %s %s' % (self.command, self.path, what))
            deadline = time.time() + 60
            while not os.path.exists(path) and time.time() < deadline:
                time.sleep(0.05)
            if what == 'stall':
                self.close_connection = True
                return
        elif action in ('500', '503'):
            code = int(action)
            msg = (b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>' +
                   (b'InternalError' if code == 500 else b'SlowDown') +
                   b'</Code><Message>injected by faultproxy</Message></Error>')
            log('%s %s %d' % (self.command, self.path, code))
            self.send_response(code)
            self.send_header('Content-Type', 'application/xml')
            self.send_header('Content-Length', str(len(msg)))
            self.end_headers()
            if self.command != 'HEAD':
                self.wfile.write(msg)
            return
        conn = http.client.HTTPConnection(UP_HOST, timeout=120)
        conn.putrequest(self.command, self.path, skip_host=True,
                        skip_accept_encoding=True)
        for k, v in self.headers.items():
            if k.lower() in ('connection', 'keep-alive'):
                continue
            conn.putheader(k, v)
        conn.endheaders(body if body else None)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        # logged before the answer goes on (see putserver.py)
        log('%s %s %d' % (self.command, self.path, resp.status))
        self.send_response(resp.status, resp.reason)
        for k, v in resp.getheaders():
            if k.lower() in ('connection', 'keep-alive', 'transfer-encoding',
                             'content-length'):
                continue
            self.send_header(k, v)
        if self.command == 'HEAD':
            self.send_header('Content-Length',
                             resp.getheader('Content-Length') or '0')
        else:
            self.send_header('Content-Length', str(len(data)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(data)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_one


srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
srv.daemon_threads = True
with open(PORTFILE + '.tmp', 'w') as f:
    f.write(str(srv.server_address[1]))
os.rename(PORTFILE + '.tmp', PORTFILE)
srv.serve_forever()
