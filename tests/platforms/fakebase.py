"""fakebase.py -- what the platform fakes share: OAuth, faults, the log.

Each fake (youtube.py, vimeo.py, tiktok.py, dailymotion.py) is run as

  FAKE.py PORTFILE LOG [--flag[=value]]...

writes its port to PORTFILE once it listens, and one JSON line per request
to LOG: {"m": method, "p": path, "st": status, "n": body bytes read,
...what the fake adds}.  Common flags:
  --client-id=ID --client-secret=S   the one registered client
  --refresh=R       a refresh token that is valid at start
  --access=A        an access token that is valid at start (else none is)
  --rotate          each refresh issues a new refresh token and kills the
                    old one (TikTok, Kick)
  --expires=N       expires_in of issued access tokens (seconds)
  --cut=N           the first upload request is cut (connection closed)
                    after N bytes of its body were read
The OAuth side follows RFC 6749 (code and refresh grants), RFC 7636
(S256 PKCE) and RFC 8628 (device grant), as platforms.md section 13 asks.
"""
import base64
import hashlib
import http.server
import json
import os
import secrets
import socket
import sys
import threading
import urllib.parse

lock = threading.Lock()


class State:
    def __init__(self, argv):
        self.portfile, self.logpath = argv[1], argv[2]
        self.flags = {}
        for a in argv[3:]:
            k, _, v = a.lstrip('-').partition('=')
            self.flags[k] = v if v else '1'
        f = self.flags
        self.client_id = f.get('client-id', 'cid')
        self.client_secret = f.get('client-secret', 'csecret')
        self.access = set([f['access']]) if 'access' in f else set()
        self.refresh = set([f['refresh']]) if 'refresh' in f else set()
        self.codes = {}         # code -> (redirect_uri, challenge)
        self.devices = {}       # device_code -> polls left
        self.cut = int(f.get('cut', 0))
        self.n = 0

    def flag(self, k, default=None):
        return self.flags.get(k, default)


S = None


def new_id(prefix=''):
    return prefix + secrets.token_hex(6)


class Base(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    # ---- plumbing ----
    def log(self, st, n=0, **kw):
        rec = {'m': self.command, 'p': self.path, 'st': st, 'n': n}
        rec.update(kw)
        with lock:
            with open(S.logpath, 'a') as f:
                f.write(json.dumps(rec, sort_keys=True) + '\n')

    def reply(self, st, body=b'', headers=None, ctype='application/json',
              n=0, **kw):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        self.log(st, n, **kw)
        self.send_response(st)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if body:
            self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        if self.command != 'HEAD':
            self.wfile.write(body)

    def body(self, upload=False):
        """The request body; for an upload the cut fault may end it:
        returns (data, cut)."""
        n = int(self.headers.get('Content-Length') or 0)
        if upload and S.cut > 0 and n > S.cut:
            with lock:
                cut, S.cut = S.cut, 0
            data = self.rfile.read(cut)
            return data, True
        return self.rfile.read(n) if n > 0 else b'', False

    def drop(self, n, **kw):
        """Closes the connection without an answer (after n bytes)."""
        self.log('cut', n, **kw)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def query(self):
        return dict(urllib.parse.parse_qsl(
            urllib.parse.urlsplit(self.path).query))

    def route(self):
        return urllib.parse.urlsplit(self.path).path

    def form(self, data):
        return dict(urllib.parse.parse_qsl(data.decode()))

    def bearer(self):
        """The access token, or None after answering 401 (which shape the
        platform's error() gives)."""
        h = self.headers.get('Authorization') or ''
        tok = h[7:] if h.lower().startswith('bearer ') else None
        if tok is None or tok not in S.access:
            return None
        return tok

    # ---- OAuth ----
    def client_ok(self, f):
        cid = f.get('client_id') or f.get('client_key')
        sec = f.get('client_secret')
        h = self.headers.get('Authorization') or ''
        if h.startswith('Basic '):
            cid, _, sec = base64.b64decode(h[6:]).decode().partition(':')
        return cid == S.client_id and sec == S.client_secret

    def issue(self, f):
        at = new_id('at-')
        with lock:
            S.access.add(at)
            rt = None
            if 'refresh_token' in f and not S.flag('rotate'):
                rt = f['refresh_token']
            else:
                rt = new_id('rt-')
                if 'refresh_token' in f:
                    S.refresh.discard(f['refresh_token'])
                S.refresh.add(rt)
        out = {'access_token': at, 'token_type': 'Bearer',
               'expires_in': int(S.flag('expires', '3600')),
               'scope': 'video'}
        if rt is not None:
            out['refresh_token'] = rt
        return out

    def oauth_error(self, st, err, desc, n):
        self.reply(st, {'error': err, 'error_description': desc}, n=n,
                   grant='refused')

    def token(self):
        data, _ = self.body()
        f = self.form(data)
        g = f.get('grant_type')
        if not self.client_ok(f):
            return self.oauth_error(401, 'invalid_client', 'bad client',
                                    len(data))
        if g == 'refresh_token':
            if f.get('refresh_token') not in S.refresh:
                return self.oauth_error(400, 'invalid_grant',
                                        'refresh token is invalid',
                                        len(data))
            return self.reply(200, self.issue(f), n=len(data),
                              grant='refresh_token')
        if g == 'authorization_code':
            c = S.codes.pop(f.get('code'), None)
            if c is None or c[0] != f.get('redirect_uri'):
                return self.oauth_error(400, 'invalid_grant', 'bad code',
                                        len(data))
            if c[1] is not None:
                v = f.get('code_verifier', '').encode()
                want = base64.urlsafe_b64encode(
                    hashlib.sha256(v).digest()).rstrip(b'=').decode()
                if want != c[1]:
                    return self.oauth_error(400, 'invalid_grant',
                                            'PKCE verifier mismatch',
                                            len(data))
            f.pop('refresh_token', None)
            return self.reply(200, self.issue({}), n=len(data),
                              grant='authorization_code')
        if g == 'urn:ietf:params:oauth:grant-type:device_code':
            dc = f.get('device_code')
            if dc not in S.devices:
                return self.oauth_error(400, 'invalid_grant', 'bad device',
                                        len(data))
            if S.devices[dc] > 0:
                S.devices[dc] -= 1
                return self.oauth_error(428, 'authorization_pending',
                                        'not yet', len(data))
            del S.devices[dc]
            return self.reply(200, self.issue({}), n=len(data),
                              grant='device_code')
        return self.oauth_error(400, 'unsupported_grant_type', str(g),
                                len(data))

    def authorize(self):
        """Stands in for the user's consent in a browser: redirects back
        with a code at once."""
        q = self.query()
        cid = q.get('client_id') or q.get('client_key')
        if cid != S.client_id or q.get('response_type') != 'code':
            return self.reply(400, {'error': 'invalid_request'})
        ch = q.get('code_challenge')
        if ch is not None and q.get('code_challenge_method') != 'S256':
            return self.reply(400, {'error': 'invalid_request'})
        if S.flag('pkce') and ch is None:
            return self.reply(400, {'error': 'invalid_request',
                                    'error_description': 'PKCE required'})
        code = new_id('code-')
        S.codes[code] = (q.get('redirect_uri'), ch)
        loc = q['redirect_uri'] + '?' + urllib.parse.urlencode(
            {'code': code, 'state': q.get('state', '')})
        self.reply(302, headers={'Location': loc})

    def device(self):
        data, _ = self.body()
        f = self.form(data)
        if not self.client_ok(f):
            return self.oauth_error(401, 'invalid_client', 'bad client',
                                    len(data))
        dc = new_id('dc-')
        S.devices[dc] = 1
        self.reply(200, {'device_code': dc, 'user_code': 'ABCD-EFGH',
                         'verification_url': 'https://example.test/device',
                         'expires_in': 60, 'interval': 1}, n=len(data))


def multipart(ctype, data):
    """{name: (filename, bytes)} of a multipart/form-data body."""
    b = None
    for p in ctype.split(';'):
        p = p.strip()
        if p.startswith('boundary='):
            b = p[9:].strip('"').encode()
    if b is None:
        return None
    out = {}
    for part in data.split(b'--' + b)[1:]:
        if part.startswith(b'--'):
            break
        head, _, body = part.partition(b'\r\n\r\n')
        body = body[:-2] if body.endswith(b'\r\n') else body
        name = fn = None
        for line in head.decode('latin-1').split('\r\n'):
            if line.lower().startswith('content-disposition:'):
                for kv in line.split(';')[1:]:
                    k, _, v = kv.strip().partition('=')
                    if k == 'name':
                        name = v.strip('"')
                    if k == 'filename':
                        fn = v.strip('"')
        if name is not None:
            out[name] = (fn, body)
    return out


def serve(handler, argv):
    global S
    S = State(argv)
    srv = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
    srv.daemon_threads = True
    with open(S.portfile + '.tmp', 'w') as f:
        f.write(str(srv.server_address[1]))
    os.rename(S.portfile + '.tmp', S.portfile)
    srv.serve_forever()


def state():
    return S


if __name__ == '__main__':
    sys.exit('fakebase.py is a module')
