#!/usr/bin/env python3
"""youtube.py -- a local YouTube Data API v3 for the sv-publish tests.

Follows developers.google.com/youtube/v3/guides/using_resumable_upload_protocol
(POST ...?uploadType=resumable -> Location; PUT chunks with Content-Range;
308 + Range is what arrived; "bytes */TOTAL" asks), .../youtube/v3/docs/videos
(list: status, processingDetails, statistics), .../youtube/v3/docs/thumbnails/set,
.../youtube/v3/live/docs/liveBroadcasts and liveStreams, the errors of
.../youtube/data/reference/rest/v3/errors and Google OAuth 2.0 (token,
loopback authorize, device code) as summed up in shared/platforms.md
section 1.  Quota as youtube/data/determine_quota_cost tells it: each call
that gets past authentication is charged, one that would overdraw the day
answers 403 with the documented body (domain youtube.quota, reason
quotaExceeded).  Like the real service it refuses: a missing or dead access
token (401 authError), a chunk that is not a multiple of 256 KiB and not
the last, a chunk that does not start where the stored bytes end, a title
over 100 characters or with < >, a bad privacyStatus.

  youtube.py PORTFILE LOG [flags]   (fakebase.py has the common flags)
  --quota            the day's quota is spent: every call answers 403
                     quotaExceeded
  --units=N          the project's units a day (default 10000)
  --uploads=N        videos.insert calls a day, in their own bucket
                     (default 100)
  --cost-insert=N    videos.insert costs N units instead (the older table,
                     1600); the other costs are determine_quota_cost's:
                     videos.list 1, thumbnails.set 50, liveBroadcasts.insert,
                     liveStreams.insert and liveBroadcasts.bind 50
  --upload-limit     videos.insert answers 400 uploadLimitExceeded
  --short-range      the first chunk's 308 says 256 KiB less than was sent
  --503=N            the first N chunk PUTs answer 503 (nothing kept)
  --gone             the first resume query finds the session gone (404)
  --processing=N     N polls say processing before processed
  --fail-processing  processing ends in uploadStatus failed
  --ingest=URL       liveStreams' ingestionAddress
"""
import hashlib
import json
import re
import sys
import threading

import fakebase
from fakebase import Base, new_id

UNIT = 256 * 1024
sessions = {}
videos = {}
mu = threading.Lock()
counts = {'503': 0, 'gone': 0, 'short': 0}
spent = {'units': 0, 'uploads': 0}
COSTS = {'list': 1, 'thumb': 50, 'live': 50}


def yt_error(code, reason, msg, domain='youtube.video'):
    return {'error': {'code': code, 'message': msg,
                      'errors': [{'domain': domain, 'reason': reason,
                                  'message': msg}]}}


class H(Base):
    def denied(self, n=0):
        self.reply(401, yt_error(401, 'authError', 'Invalid Credentials',
                                 'global'), n=n)

    def spend(self, call, n=0):
        """Charges call; False after answering quotaExceeded."""
        S = fakebase.state()
        units, uploads = 0, 0
        if call == 'insert' and S.flag('cost-insert') is None:
            uploads = 1
        elif call == 'insert':
            units = int(S.flag('cost-insert'))
        else:
            units = COSTS[call]
        with mu:
            over = S.flag('quota') or \
                spent['units'] + units > int(S.flag('units', '10000')) or \
                spent['uploads'] + uploads > int(S.flag('uploads', '100'))
            if not over:
                spent['units'] += units
                spent['uploads'] += uploads
            used = dict(spent)
        if over:
            self.reply(403, yt_error(
                403, 'quotaExceeded', 'The request cannot be completed '
                'because you have exceeded your <a href="/youtube/v3/'
                'getting-started#quota">quota</a>.', 'youtube.quota'),
                n=n, quota=used)
            return False
        return True

    def do_GET(self):
        S = fakebase.state()
        r = self.route()
        if r == '/o/oauth2/v2/auth':
            return self.authorize()
        if r == '/youtube/v3/videos':
            if self.bearer() is None:
                return self.denied()
            if not self.spend('list'):
                return
            q = self.query()
            v = videos.get(q.get('id'))
            items = []
            if v is not None:
                with mu:
                    v['polls'] += 1
                    left = int(S.flag('processing', '0')) - v['polls']
                    st = {'uploadStatus': 'processed', 'privacyStatus':
                          v['privacy']}
                    pd = {'processingStatus': 'succeeded'}
                    if S.flag('fail-processing'):
                        st = {'uploadStatus': 'failed',
                              'failureReason': 'codec',
                              'privacyStatus': v['privacy']}
                        pd = {'processingStatus': 'failed'}
                    elif left >= 0:
                        st['uploadStatus'] = 'uploaded'
                        pd = {'processingStatus': 'processing'}
                item = {'id': q['id'], 'status': st}
                parts = q.get('part', '').split(',')
                if 'processingDetails' in parts:
                    item['processingDetails'] = pd
                if 'statistics' in parts:
                    item['statistics'] = {'viewCount': '7',
                                          'commentCount': '2'}
                items.append(item)
            return self.reply(200, {'kind': 'youtube#videoListResponse',
                                    'items': items})
        self.reply(404, yt_error(404, 'notFound', 'no such call'))

    def do_POST(self):
        S = fakebase.state()
        r = self.route()
        if r == '/token':
            return self.token()
        if r == '/device/code':
            return self.device()
        if r == '/upload/youtube/v3/videos':
            return self.insert()
        if r == '/upload/youtube/v3/thumbnails/set':
            data, _ = self.body()
            if self.bearer() is None:
                return self.denied(len(data))
            if not self.spend('thumb', len(data)):
                return
            ct = self.headers.get('Content-Type', '')
            if ct not in ('image/jpeg', 'image/png') or len(data) > 2 << 20:
                return self.reply(400, yt_error(400, 'invalidImage',
                                                'bad image'), n=len(data))
            vid = self.query().get('videoId')
            if vid not in videos:
                return self.reply(404, yt_error(404, 'videoNotFound',
                                                'no video'), n=len(data))
            videos[vid]['thumb'] = len(data)
            return self.reply(200, {'items': [{'default': {
                'url': 'https://i.ytimg.com/vi/%s/default.jpg' % vid}}]},
                n=len(data), thumb=len(data))
        if r.startswith('/youtube/v3/live'):
            return self.live(r)
        self.reply(404, yt_error(404, 'notFound', 'no such call'))

    def live(self, r):
        S = fakebase.state()
        data, _ = self.body()
        if self.bearer() is None:
            return self.denied(len(data))
        if not self.spend('live', len(data)):
            return
        if r == '/youtube/v3/liveBroadcasts':
            b = json.loads(data or b'{}')
            if not b.get('snippet', {}).get('title'):
                return self.reply(400, yt_error(400, 'titleRequired',
                                                'title'), n=len(data))
            return self.reply(200, {'id': new_id('b-'), 'snippet':
                                    b['snippet']}, n=len(data))
        if r == '/youtube/v3/liveStreams':
            return self.reply(200, {'id': new_id('s-'), 'cdn': {
                'ingestionType': 'rtmp', 'ingestionInfo': {
                    'streamName': S.flag('key', 'yt-key-1'),
                    'ingestionAddress': S.flag(
                        'ingest', 'rtmp://a.rtmp.youtube.com/live2')}}},
                n=len(data))
        if r == '/youtube/v3/liveBroadcasts/bind':
            q = self.query()
            return self.reply(200, {'id': q.get('id'), 'contentDetails': {
                'boundStreamId': q.get('streamId')}}, n=len(data))
        self.reply(404, yt_error(404, 'notFound', 'no such call'))

    def insert(self):
        S = fakebase.state()
        data, _ = self.body()
        q = self.query()
        if self.bearer() is None:
            return self.denied(len(data))
        if q.get('uploadType') != 'resumable':
            return self.reply(400, yt_error(400, 'badRequest',
                                            'uploadType'), n=len(data))
        if not self.spend('insert', len(data)):
            return
        if S.flag('upload-limit'):
            return self.reply(400, yt_error(
                400, 'uploadLimitExceeded', 'The user has exceeded the '
                'number of videos they may upload.'), n=len(data))
        try:
            total = int(self.headers['X-Upload-Content-Length'])
            res = json.loads(data)
        except (TypeError, ValueError, KeyError):
            return self.reply(400, yt_error(400, 'badRequest', 'body'),
                              n=len(data))
        sn, st = res.get('snippet', {}), res.get('status', {})
        t = sn.get('title', '')
        if not t or len(t) > 100 or '<' in t or '>' in t:
            return self.reply(400, yt_error(400, 'invalidTitle', 'title'),
                              n=len(data))
        if st.get('privacyStatus') not in ('public', 'unlisted', 'private'):
            return self.reply(400, yt_error(400, 'invalidPrivacyStatus',
                                            'privacy'), n=len(data))
        sid = new_id('up-')
        sessions[sid] = {'total': total, 'data': bytearray(), 'res': res,
                         'resent': 0}
        loc = 'http://127.0.0.1:%d/upload/youtube/v3/videos?uploadType=' \
              'resumable&upload_id=%s' % (self.server.server_address[1], sid)
        self.reply(200, headers={'Location': loc}, n=len(data),
                   title=t, privacy=st.get('privacyStatus'),
                   kids=st.get('selfDeclaredMadeForKids'))

    def done(self, sid, s, n):
        vid = new_id('v')
        videos[vid] = {'polls': 0, 'privacy':
                       s['res']['status']['privacyStatus']}
        sha = hashlib.sha256(bytes(s['data'])).hexdigest()
        self.reply(201, {'kind': 'youtube#video', 'id': vid,
                         'snippet': s['res']['snippet'],
                         'status': {'uploadStatus': 'uploaded'}}, n=n,
                   stored=len(s['data']), sha256=sha, resent=s['resent'])

    def stored_range(self, s):
        n = len(s['data'])
        return {'Range': 'bytes=0-%d' % (n - 1)} if n > 0 else {}

    def do_PUT(self):
        S = fakebase.state()
        sid = self.query().get('upload_id')
        s = sessions.get(sid)
        cr = self.headers.get('Content-Range', '')
        if s is None:
            data, _ = self.body()
            return self.reply(404, yt_error(404, 'notFound', 'session'),
                              n=len(data))
        m = re.fullmatch(r'bytes \*/(\d+)', cr)
        if m:
            self.body()
            with mu:
                if S.flag('gone') and counts['gone'] == 0:
                    counts['gone'] = 1
                    del sessions[sid]
                    return self.reply(404, yt_error(404, 'notFound',
                                                    'session'), query=1)
            if len(s['data']) == s['total']:
                return self.done(sid, s, 0)
            return self.reply(308, headers=self.stored_range(s), query=1,
                              stored=len(s['data']))
        m = re.fullmatch(r'bytes (\d+)-(\d+)/(\d+)', cr)
        if not m or int(m.group(3)) != s['total']:
            data, _ = self.body()
            return self.reply(400, yt_error(400, 'badContentRange', cr),
                              n=len(data))
        a, b = int(m.group(1)), int(m.group(2))
        data, cut = self.body(upload=True)
        if cut:
            # what arrived before the cut is kept, as the service does
            if a <= len(s['data']):
                s['data'][a:] = data
            return self.drop(len(data), start=a)
        if b - a + 1 != len(data) or b >= s['total']:
            return self.reply(400, yt_error(400, 'badContentRange', cr),
                              n=len(data))
        if b != s['total'] - 1 and len(data) % UNIT != 0:
            return self.reply(400, yt_error(
                400, 'badRequest', 'chunk size must be a multiple of '
                '256 KiB'), n=len(data))
        if a > len(s['data']):
            return self.reply(400, yt_error(400, 'badContentRange',
                                            'gap before ' + cr), n=len(data))
        with mu:
            if counts['503'] < int(S.flag('503', '0')):
                counts['503'] += 1
                return self.reply(503, yt_error(503, 'backendError',
                                                'try again'), n=len(data),
                                  start=a)
        if a < len(s['data']):
            s['resent'] += len(s['data']) - a
        s['data'][a:] = data
        if S.flag('short-range') and counts['short'] == 0 and \
                len(s['data']) > UNIT and len(s['data']) < s['total']:
            counts['short'] = 1
            del s['data'][len(s['data']) - UNIT:]
        if len(s['data']) == s['total']:
            return self.done(sid, s, len(data))
        self.reply(308, headers=self.stored_range(s), n=len(data), start=a,
                   stored=len(s['data']))


fakebase.serve(H, sys.argv)
