#!/usr/bin/env python3
"""dailymotion.py -- a local Dailymotion API for the sv-publish tests.

Follows developers.dailymotion.com/guides/upload (GET /file/upload ->
upload_url, progress_url; one multipart POST of field "file" to upload_url ->
{"url"}; POST /me/videos url=... -> {"id"}; POST /video/{id} with title,
channel and is_created_for_kids, both mandatory to publish, and
published=true), .../guides/refresh-token and .../api/platform-api/errors
({"error":{"code","message","type"}}), as summed up in shared/platforms.md
section 10.  It refuses: a dead token (401 invalid_token), an upload without
a "file" part, an upload_url used twice, publishing without channel or
is_created_for_kids, an unknown channel.

  dailymotion.py PORTFILE LOG [flags]   (fakebase.py has the common flags)
  --processing=N     N polls say processing before published
  --fail-processing  the video ends rejected
"""
import hashlib
import json
import sys
import threading
import urllib.parse

import fakebase
from fakebase import Base, multipart, new_id

files = {}
uploads = {}
videos = {}
mu = threading.Lock()
CHANNELS = ('news', 'music', 'sport', 'tech', 'videogames', 'fun')


def derr(code, typ, msg):
    return {'error': {'code': code, 'message': msg, 'type': typ,
                      'more_info': '', 'error_data': {}}}


class H(Base):
    def denied(self, n=0):
        self.reply(401, derr(401, 'invalid_token', 'Invalid access token'),
                   n=n)

    def do_GET(self):
        S = fakebase.state()
        r = self.route()
        if r == '/oauth/authorize':
            return self.authorize()
        if self.bearer() is None:
            return self.denied()
        if r == '/file/upload':
            uid = new_id('u')
            uploads[uid] = None
            port = self.server.server_address[1]
            return self.reply(200, {
                'upload_url': 'http://127.0.0.1:%d/upload?uuid=%s&seal=%s' %
                (port, uid, new_id()),
                'progress_url': 'http://127.0.0.1:%d/progress?uuid=%s' %
                (port, uid)})
        if r.startswith('/video/'):
            v = videos.get(r.split('/')[2])
            if v is None:
                return self.reply(404, derr(404, 'not_found',
                                            'no such video'))
            with mu:
                v['polls'] += 1
                left = int(S.flag('processing', '0')) - v['polls']
            st = 'processing' if left >= 0 or not v.get('published') \
                else 'published'
            if S.flag('fail-processing'):
                st = 'rejected'
            return self.reply(200, {'id': r.split('/')[2], 'status': st,
                                    'encoding_progress': 100,
                                    'url': 'https://www.dailymotion.com/'
                                    'video/' + r.split('/')[2],
                                    'views_total': 5})
        self.reply(404, derr(404, 'not_found', 'no such call'))

    def do_POST(self):
        r = self.route()
        if r == '/oauth/token':
            return self.token()
        if r == '/upload':
            uid = self.query().get('uuid')
            data, cut = self.body(upload=True)
            if cut:
                return self.drop(len(data))
            if uid not in uploads or uploads[uid] is not None:
                return self.reply(400, derr(400, 'invalid_parameter',
                                            'upload url used'), n=len(data))
            parts = multipart(self.headers.get('Content-Type', ''), data)
            if not parts or 'file' not in parts or parts['file'][0] is None:
                return self.reply(400, derr(400, 'missing_required_'
                                            'parameter', 'file'),
                                  n=len(data))
            body = parts['file'][1]
            furl = 'https://upload.dailymotion.test/f/%s' % uid
            uploads[uid] = furl
            files[furl] = body
            return self.reply(200, {'url': furl, 'name':
                                    parts['file'][0], 'size': len(body)},
                              n=len(data), stored=len(body),
                              sha256=hashlib.sha256(body).hexdigest())
        data, _ = self.body()
        if self.bearer() is None:
            return self.denied(len(data))
        f = self.form(data)
        if r == '/me/videos':
            if f.get('url') not in files:
                return self.reply(400, derr(400, 'invalid_parameter',
                                            'url'), n=len(data))
            vid = 'x' + new_id()[:6]
            videos[vid] = {'polls': 0}
            return self.reply(200, {'id': vid}, n=len(data))
        if r.startswith('/video/'):
            vid = r.split('/')[2]
            v = videos.get(vid)
            if v is None:
                return self.reply(404, derr(404, 'not_found', 'video'),
                                  n=len(data))
            if f.get('published') == 'true':
                if f.get('channel') not in CHANNELS or \
                        f.get('is_created_for_kids') not in ('true',
                                                              'false'):
                    return self.reply(400, derr(
                        400, 'missing_required_parameter', 'channel and '
                        'is_created_for_kids are needed to publish'),
                        n=len(data))
                v['published'] = True
            v.update(f)
            return self.reply(200, {'id': vid}, n=len(data),
                              channel=f.get('channel'),
                              kids=f.get('is_created_for_kids'),
                              private=f.get('private'),
                              title=f.get('title'))
        self.reply(404, derr(404, 'not_found', 'no such call'), n=len(data))


fakebase.serve(H, sys.argv)
