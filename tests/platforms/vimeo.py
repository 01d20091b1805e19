#!/usr/bin/env python3
"""vimeo.py -- a local Vimeo API 3.4 for the sv-publish tests.

Follows the Vimeo upload API as described in medium.com/vimeo-engineering-
blog/introducing-the-new-vimeo-upload-api and developer.vimeo.com's
"Resumable uploads" (POST /me/videos with upload.approach "tus" ->
upload.upload_link), the tus 1.0.0 core protocol (tus.io/protocols/
resumable-upload: PATCH with Upload-Offset and Content-Type
application/offset+octet-stream -> 204 + Upload-Offset; HEAD -> Upload-Offset,
Upload-Length; 409 Conflict when Upload-Offset is not the server's; 415 on
another Content-Type; 412 without Tus-Resumable), GET /videos/ID fields, and
Vimeo's error body {error, link, developer_message, error_code} with 401/8003
for a bad token (shared/platforms.md section 4).  Vimeo has no refresh
grant: a dead token stays dead.

  vimeo.py PORTFILE LOG [flags]     (fakebase.py has the common flags)
  --processing=N     N polls say in_progress before complete
  --fail-processing  transcode.status error
  --429=N            the first N POST /me/videos answer 429 error_code 9000
"""
import hashlib
import json
import sys
import threading

import fakebase
from fakebase import Base, new_id

ups = {}
videos = {}
mu = threading.Lock()
counts = {'429': 0}
ACCEPT = 'application/vnd.vimeo.*+json;version=3.4'


def verr(msg, code, dev=''):
    return {'error': msg, 'link': None, 'developer_message': dev or msg,
            'error_code': code}


class H(Base):
    def denied(self, n=0):
        self.reply(401, verr('Something strange occurred. Please try again.',
                             8003, 'The access token is invalid.'),
                   ctype='application/vnd.vimeo.error+json', n=n)

    def do_POST(self):
        S = fakebase.state()
        r = self.route()
        if r == '/oauth/access_token':
            return self.token()
        if r != '/me/videos':
            return self.reply(404, verr('no such call', 5000))
        data, _ = self.body()
        if self.bearer() is None:
            return self.denied(len(data))
        if ACCEPT not in (self.headers.get('Accept') or ''):
            return self.reply(400, verr('version', 2204), n=len(data))
        with mu:
            if counts['429'] < int(S.flag('429', '0')):
                counts['429'] += 1
                return self.reply(429, verr('Too many requests', 9000),
                                  n=len(data))
        try:
            b = json.loads(data)
            size = int(b['upload']['size'])
        except (ValueError, KeyError, TypeError):
            return self.reply(400, verr('bad body', 2205), n=len(data))
        if b['upload'].get('approach') != 'tus':
            return self.reply(400, verr('approach', 2205), n=len(data))
        view = b.get('privacy', {}).get('view', 'anybody')
        if view not in ('anybody', 'nobody', 'password', 'unlisted',
                        'disable', 'contacts', 'users'):
            return self.reply(400, verr('privacy', 2204), n=len(data))
        vid = str(100000 + len(videos))
        uid = new_id('tus-')
        ups[uid] = {'size': size, 'data': bytearray(), 'vid': vid}
        videos[vid] = {'polls': 0, 'name': b.get('name')}
        link = 'http://127.0.0.1:%d/upload/%s' % (
            self.server.server_address[1], uid)
        self.reply(200, {'uri': '/videos/' + vid,
                         'link': 'https://vimeo.com/' + vid,
                         'name': b.get('name'),
                         'upload': {'status': 'in_progress',
                                    'approach': 'tus', 'size': str(size),
                                    'upload_link': link}}, n=len(data),
                   name=b.get('name'), view=view)

    def tus(self):
        uid = self.route().rsplit('/', 1)[-1]
        return ups.get(uid)

    def do_HEAD(self):
        u = self.tus()
        if u is None:
            return self.reply(404)
        self.reply(200, headers={'Upload-Offset': str(len(u['data'])),
                                 'Upload-Length': str(u['size']),
                                 'Tus-Resumable': '1.0.0',
                                 'Cache-Control': 'no-store'},
                   stored=len(u['data']))

    def do_PATCH(self):
        u = self.tus()
        if u is None:
            data, _ = self.body()
            return self.reply(404, n=len(data))
        if self.headers.get('Tus-Resumable') != '1.0.0':
            data, _ = self.body()
            return self.reply(412, headers={'Tus-Version': '1.0.0'},
                              n=len(data))
        if self.headers.get('Content-Type') != \
                'application/offset+octet-stream':
            data, _ = self.body()
            return self.reply(415, n=len(data))
        off = int(self.headers.get('Upload-Offset', '-1'))
        if off != len(u['data']):
            data, _ = self.body()
            return self.reply(409, n=len(data), start=off, conflict=1)
        data, cut = self.body(upload=True)
        if len(u['data']) + len(data) > u['size']:
            return self.reply(400, n=len(data))
        u['data'] += data   # tus keeps what arrived, even when cut
        if cut:
            return self.drop(len(data), start=off)
        extra = {}
        if len(u['data']) == u['size']:
            extra = {'sha256': hashlib.sha256(bytes(u['data'])).hexdigest()}
        self.reply(204, headers={'Upload-Offset': str(len(u['data'])),
                                 'Tus-Resumable': '1.0.0'}, n=len(data),
                   start=off, stored=len(u['data']), **extra)

    def do_GET(self):
        S = fakebase.state()
        r = self.route()
        if r == '/oauth/authorize':
            return self.authorize()
        if not r.startswith('/videos/'):
            return self.reply(404, verr('no such call', 5000))
        if self.bearer() is None:
            return self.denied()
        vid = r.split('/')[2]
        v = videos.get(vid)
        if v is None:
            return self.reply(404, verr('The requested video could not be '
                                        'found', 5000))
        with mu:
            v['polls'] += 1
            left = int(S.flag('processing', '0')) - v['polls']
        ts = 'complete' if left < 0 else 'in_progress'
        if S.flag('fail-processing'):
            ts = 'error'
        st = {'complete': 'available', 'in_progress': 'transcoding',
              'error': 'transcoding_error'}[ts]
        self.reply(200, {'uri': '/videos/' + vid, 'status': st,
                         'link': 'https://vimeo.com/' + vid,
                         'upload': {'status': 'complete'},
                         'transcode': {'status': ts},
                         'stats': {'plays': 3},
                         'metadata': {'connections': {'comments': {
                             'total': 1}}}})


fakebase.serve(H, sys.argv)
