#!/usr/bin/env python3
"""instagram.py -- a local Instagram Graph API (Reels) for sv-publish.

Follows developers.facebook.com/docs/instagram-platform/content-publishing/
resumable-uploads and .../reference/ig-user/media (platforms.md section 6):
POST /{ig-user-id}/media with media_type=REELS, upload_type=resumable ->
{"id": container}; POST /ig-api-upload/v{N}/{container} (the rupload host)
with "Authorization: OAuth <token>", "offset" and "file_size" headers and
the bytes from offset -> {"success":true}; an offset that is not what the
server holds, or a file_size that changed, is refused; GET
/{container}?fields=status_code,status: IN_PROGRESS, FINISHED, ERROR,
EXPIRED; POST /{ig-user-id}/media_publish?creation_id -> {"id": media},
refused (code 9007, subcode 2207027) before FINISHED; GET /{media}?fields=
permalink,like_count,comments_count.  Graph errors as facebook.py: 190
OAuthException for a dead token.  The GET of a rupload URL telling
{"offset": bytes held} is what client code of it relies on [U].
Captions over 2200 characters or 30 hashtags are refused (code 100).

  instagram.py PORTFILE LOG [flags]  (fakebase.py: --access, --cut)
  --user=ID          the one Instagram user (default 17841400000000001)
  --processing=N     N polls say IN_PROGRESS after the upload is whole
  --fail-processing  status_code ERROR
  --expire           status_code EXPIRED
"""
import hashlib
import sys
import threading

import fakebase
import graphlogin
from fakebase import Base, new_id

containers = {}
media = {}
mu = threading.Lock()
V = '/v21.0'


def gerr(msg, code, typ='OAuthException', sub=None):
    e = {'message': msg, 'type': typ, 'code': code, 'fbtrace_id': new_id('A')}
    if sub is not None:
        e['error_subcode'] = sub
    return {'error': e}


class H(Base):
    def dead(self, n=0):
        self.reply(400, gerr('Error validating access token: Session has '
                             'expired', 190, sub=463), n=n)

    def ok(self, tok):
        # a Page's token, or the long-lived user token of Facebook Login
        return tok is not None and (tok in fakebase.state().access or
                                    graphlogin.long_lived(tok))

    def oauth_header(self):
        h = self.headers.get('Authorization') or ''
        return h[6:] if h.startswith('OAuth ') else None

    def do_POST(self):
        S = fakebase.state()
        r = self.route()
        user = S.flag('user', '17841400000000001')
        if r.startswith('/ig-api-upload' + V + '/'):
            return self.rupload(r.rsplit('/', 1)[-1])
        data, _ = self.body()
        f = self.form(data)
        f.update(self.query())
        n = len(data)
        if not self.ok(f.get('access_token')):
            return self.dead(n)
        if r == V + '/' + user + '/media':
            if f.get('media_type') != 'REELS' or \
                    f.get('upload_type') != 'resumable':
                return self.reply(400, gerr('(#100) media_type REELS with '
                                            'upload_type resumable', 100),
                                  n=n)
            cap = f.get('caption', '')
            if len(cap) > 2200 or cap.count('#') > 30:
                return self.reply(400, gerr('(#100) The caption is too '
                                            'long or has too many hashtags',
                                            100, sub=2207028), n=n)
            cid = str(18000000000000000 + len(containers))
            containers[cid] = {'data': bytearray(), 'size': None,
                               'polls': 0, 'published': None}
            return self.reply(200, {'id': cid}, n=n, caption=cap,
                              share=f.get('share_to_feed'))
        if r == V + '/' + user + '/media_publish':
            c = containers.get(f.get('creation_id'))
            if c is None:
                return self.reply(400, gerr('(#100) Invalid creation_id',
                                            100), n=n)
            if self.code(S, c) != 'FINISHED':
                return self.reply(400, gerr('The media is not ready for '
                                            'publishing, please wait for a '
                                            'moment', 9007, sub=2207027),
                                  n=n, publish=0)
            mid = str(17900000000000000 + len(media))
            media[mid] = f.get('creation_id')
            c['published'] = mid
            return self.reply(200, {'id': mid}, n=n, publish=1)
        self.reply(400, gerr('Unsupported post request.', 100,
                             'GraphMethodException', 33), n=n)

    def rupload(self, cid):
        c = containers.get(cid)
        if not self.ok(self.oauth_header()):
            data, _ = self.body()
            return self.dead(len(data))
        if c is None:
            data, _ = self.body()
            return self.reply(400, gerr('Invalid container', 100),
                              n=len(data))
        try:
            off = int(self.headers['offset'])
            size = int(self.headers['file_size'])
        except (KeyError, ValueError, TypeError):
            data, _ = self.body()
            return self.reply(400, gerr('offset and file_size are required',
                                        100), n=len(data))
        if c['size'] is not None and size != c['size']:
            data, _ = self.body()
            return self.reply(400, gerr('file_size changed', 100),
                              n=len(data))
        if off != len(c['data']):
            data, _ = self.body()
            return self.reply(400, gerr('offset %d is not the %d bytes '
                                        'held' % (off, len(c['data'])), 100),
                              n=len(data), start=off)
        c['size'] = size
        data, cut = self.body(upload=True)
        if off + len(data) > size:
            return self.reply(400, gerr('more bytes than file_size', 100),
                              n=len(data), start=off)
        c['data'] += data   # a raw body: what arrived is kept
        if cut:
            return self.drop(len(data), start=off)
        if len(c['data']) != size:
            return self.reply(400, gerr('the body ends before file_size',
                                        100), n=len(data), start=off)
        self.reply(200, {'success': True, 'message': 'Upload successful.'},
                   n=len(data), start=off, stored=len(c['data']),
                   sha256=hashlib.sha256(bytes(c['data'])).hexdigest())

    def code(self, S, c):
        if c['size'] is None or len(c['data']) != c['size']:
            return 'IN_PROGRESS'
        if S.flag('expire'):
            return 'EXPIRED'
        if S.flag('fail-processing'):
            return 'ERROR'
        if c['published']:
            return 'PUBLISHED'
        return 'FINISHED' if c['polls'] > int(S.flag('processing', '0')) \
            else 'IN_PROGRESS'

    def do_GET(self):
        S = fakebase.state()
        r = self.route()
        if graphlogin.serve(self):
            return
        if r.startswith('/ig-api-upload' + V + '/'):
            c = containers.get(r.rsplit('/', 1)[-1])
            if not self.ok(self.oauth_header()):
                return self.dead()
            if c is None:
                return self.reply(400, gerr('Invalid container', 100))
            return self.reply(200, {'offset': len(c['data'])},
                              stored=len(c['data']))
        q = self.query()
        if not self.ok(q.get('access_token')):
            return self.dead()
        oid = r[len(V) + 1:] if r.startswith(V + '/') else ''
        if oid in containers:
            c = containers[oid]
            with mu:
                if c['size'] is not None and len(c['data']) == c['size']:
                    c['polls'] += 1
                sc = self.code(S, c)
            st = {'ERROR': 'Error: 2207026', 'EXPIRED': 'Expired'}.get(
                sc, sc.title())
            return self.reply(200, {'id': oid, 'status_code': sc,
                                    'status': st}, code=sc)
        if oid in media:
            return self.reply(200, {
                'id': oid, 'permalink':
                'https://www.instagram.com/reel/R%s/' % oid[-6:],
                'like_count': 5, 'comments_count': 3})
        self.reply(400, gerr('(#100) Object does not exist', 100,
                             'GraphMethodException', 33))


fakebase.serve(H, sys.argv)
