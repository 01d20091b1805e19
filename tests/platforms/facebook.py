#!/usr/bin/env python3
"""facebook.py -- a local Facebook Graph API (Pages video) for sv-publish.

Follows developers.facebook.com/docs/video-api/guides/publishing and the
chunked upload on graph-video.facebook.com/{page-id}/videos as platforms.md
section 5 B gives it (upload_phase=start with file_size -> video_id,
upload_session_id, start_offset "0", end_offset; upload_phase=transfer,
multipart, video_file_chunk = exactly the bytes [start_offset, end_offset)
-> the next start_offset/end_offset, equal when all arrived; finish ->
{"success":true}), GET /{video-id}?fields=status (video_status,
processing_phase), developers.facebook.com/docs/live-video-api (POST
/{page-id}/live_videos, status LIVE_NOW|UNPUBLISHED -> id, stream_url,
secure_stream_url), and the Graph error body {"error":{message, type,
code, error_subcode, is_transient, fbtrace_id}}: 190 OAuthException for a
dead token (HTTP 400), 100 for a bad parameter, is_transient on code 2.
The Page token is long-lived: no refresh grant exists, so none is served.

  facebook.py PORTFILE LOG [flags]  (fakebase.py: --access, --cut)
  --page=ID          the one Page (default 1234567890)
  --chunk=N          the chunk size the server asks for (default 1 MiB)
  --transient=N      the first N transfers answer 500 code 2 is_transient
  --processing=N     N status polls say processing before ready
  --fail-processing  video_status error with a processing_phase error
  --ingest=URL       live: secure_stream_url is URL/<key>
"""
import hashlib
import sys
import threading

import fakebase
import graphlogin
from fakebase import Base, new_id

sessions = {}
videos = {}
mu = threading.Lock()
counts = {'transient': 0}
V = '/v21.0'


def gerr(msg, code, typ='OAuthException', sub=None, transient=False):
    e = {'message': msg, 'type': typ, 'code': code,
         'is_transient': transient, 'fbtrace_id': new_id('A')}
    if sub is not None:
        e['error_subcode'] = sub
    return {'error': e}


class H(Base):
    def dead(self, n=0):
        self.reply(400, gerr('Error validating access token: Session has '
                             'expired', 190, sub=463), n=n)

    def token_ok(self, tok):
        return tok is not None and tok in fakebase.state().access

    def do_POST(self):
        S = fakebase.state()
        r = self.route()
        page = S.flag('page', '1234567890')
        if r == V + '/' + page + '/videos':
            return self.videos(S)
        if r == V + '/' + page + '/live_videos':
            data, _ = self.body()
            f = self.form(data)
            if not self.token_ok(f.get('access_token')):
                return self.dead(len(data))
            if f.get('status') not in ('LIVE_NOW', 'UNPUBLISHED'):
                return self.reply(400, gerr('(#100) Invalid parameter', 100),
                                  n=len(data))
            lid = new_id()
            key = 'FB-%s-%s' % (lid, new_id())
            ing = S.flag('ingest', 'rtmps://live-api-s.facebook.com:443/rtmp')
            return self.reply(200, {
                'id': lid,
                'stream_url': ing.replace('rtmps://', 'rtmp://') + '/' + key,
                'secure_stream_url': ing + '/' + key,
                'secure_stream_secondary_urls': []}, n=len(data),
                live=lid, title=f.get('title'), status=f.get('status'))
        data, _ = self.body()
        self.reply(400, gerr('Unsupported post request.', 100,
                             'GraphMethodException', 33), n=len(data))

    def videos(self, S):
        ctype = self.headers.get('Content-Type') or ''
        if ctype.startswith('multipart/form-data'):
            data, cut = self.body(upload=True)
            if cut:     # an incomplete multipart body: nothing is kept
                return self.drop(len(data))
            parts = fakebase.multipart(ctype, data) or {}
            f = {k: v[1].decode('latin-1') for k, v in parts.items()
                 if v[0] is None}
            chunk = parts.get('video_file_chunk', (None, None))[1]
        else:
            data, _ = self.body()
            f = self.form(data)
            chunk = None
        n = len(data)
        if not self.token_ok(f.get('access_token')):
            return self.dead(n)
        ph = f.get('upload_phase')
        if ph == 'start':
            try:
                size = int(f['file_size'])
            except (KeyError, ValueError):
                return self.reply(400, gerr('(#100) file_size is required',
                                            100), n=n)
            if size <= 0:
                return self.reply(400, gerr('(#100) file_size must be > 0',
                                            100), n=n)
            sid, vid = new_id(), str(10 ** 15 + len(videos))
            end = min(int(S.flag('chunk', str(1 << 20))), size)
            sessions[sid] = {'size': size, 'data': bytearray(), 'vid': vid,
                             'end': end, 'done': False}
            videos[vid] = {'polls': 0, 'published': None}
            return self.reply(200, {'video_id': vid, 'upload_session_id': sid,
                                    'start_offset': '0',
                                    'end_offset': str(end)}, n=n, phase=ph)
        s = sessions.get(f.get('upload_session_id'))
        if s is None:
            return self.reply(400, gerr('(#100) Invalid upload_session_id',
                                        100), n=n, phase=ph)
        if ph == 'transfer':
            with mu:
                if counts['transient'] < int(S.flag('transient', '0')):
                    counts['transient'] += 1
                    return self.reply(500, gerr(
                        'An unexpected error has occurred. Please retry '
                        'your request later.', 2, sub=None,
                        transient=True), n=n, phase=ph)
            start = len(s['data'])
            try:
                off = int(f['start_offset'])
            except (KeyError, ValueError):
                off = -1
            if chunk is None or off != start or \
                    len(chunk) != s['end'] - start:
                return self.reply(400, gerr(
                    '(#6001) The chunk is not the bytes start_offset to '
                    'end_offset the server asked for', 6001,
                    'OAuthException', 1363019), n=n, phase=ph, start=off)
            s['data'] += chunk
            st = len(s['data'])
            s['end'] = min(st + int(S.flag('chunk', str(1 << 20))),
                           s['size'])
            extra = {}
            if st == s['size']:
                extra = {'sha256': hashlib.sha256(bytes(s['data']))
                         .hexdigest()}
            return self.reply(200, {'start_offset': str(st),
                                    'end_offset': str(s['end'])}, n=n,
                              phase=ph, start=off, stored=st, **extra)
        if ph == 'finish':
            if len(s['data']) != s['size']:
                return self.reply(400, gerr('(#6000) There was a problem '
                                            'uploading your video file',
                                            6000), n=n, phase=ph)
            sp = f.get('scheduled_publish_time')
            if sp is not None and f.get('published') != 'false':
                return self.reply(400, gerr('(#100) scheduled_publish_time '
                                            'needs published=false', 100),
                                  n=n, phase=ph)
            s['done'] = True
            videos[s['vid']]['published'] = f.get('published')
            return self.reply(200, {'success': True}, n=n, phase=ph,
                              title=f.get('title'),
                              description=f.get('description'),
                              published=f.get('published'))
        self.reply(400, gerr('(#100) upload_phase is start, transfer or '
                             'finish', 100), n=n)

    def do_GET(self):
        S = fakebase.state()
        r = self.route()
        q = self.query()
        if graphlogin.serve(self):
            return
        if not self.token_ok(q.get('access_token')):
            return self.dead()
        vid = r[len(V) + 1:] if r.startswith(V + '/') else ''
        v = videos.get(vid)
        if v is None:
            return self.reply(400, gerr('(#100) Unsupported get request. '
                                        'Object does not exist', 100,
                                        'GraphMethodException', 33))
        with mu:
            v['polls'] += 1
            left = int(S.flag('processing', '0')) - v['polls']
        if S.flag('fail-processing'):
            st = {'video_status': 'error',
                  'uploading_phase': {'status': 'complete'},
                  'processing_phase': {'status': 'error', 'errors': [
                      {'code': 1363008, 'message':
                       'Video format is not supported'}]}}
        elif left >= 0:
            st = {'video_status': 'processing',
                  'uploading_phase': {'status': 'complete'},
                  'processing_phase': {'status': 'in_progress'}}
        else:
            st = {'video_status': 'ready',
                  'uploading_phase': {'status': 'complete'},
                  'processing_phase': {'status': 'complete'}}
        body = {'id': vid, 'status': st}
        fields = q.get('fields', '')
        if 'permalink_url' in fields:
            body['permalink_url'] = '/%s/videos/%s/' % (
                S.flag('page', '1234567890'), vid)
        if 'comments' in fields:
            body['comments'] = {'data': [], 'summary': {
                'order': 'ranked', 'total_count': 2, 'can_comment': True}}
        self.reply(200, body, fields=fields)


fakebase.serve(H, sys.argv)
