#!/usr/bin/env python3
"""tiktok.py -- a local TikTok Content Posting API v2 for the sv-publish tests.

Follows developers.tiktok.com/doc/content-posting-api-reference-direct-post
(creator_info/query, video/init with source_info FILE_UPLOAD), .../doc/
content-posting-api-media-transfer-guide (PUT chunks in order with
Content-Range; chunks of 5 to 64 MB, total_chunk_count = floor(video_size /
chunk_size), the last chunk takes the rest up to 128 MB, under 5 MB one
whole chunk, 1 to 1000 chunks), .../doc/content-posting-api-reference-get-
video-status (status/fetch: PROCESSING_UPLOAD, PROCESSING_DOWNLOAD,
PUBLISH_COMPLETE, FAILED + fail_reason), .../doc/tiktok-api-v2-error-handling
(every body has error{code,message,log_id}) and .../doc/oauth-user-access-
token-management (client_key; refresh with rotation: the old refresh token
dies when a new one is issued), as summed up in shared/platforms.md
section 3.  It refuses what those documents say TikTok refuses: bad chunk
plans (invalid_params), a privacy level the creator does not offer
(privacy_level_option_mismatch), more than 6 inits a minute per token
(rate_limit_exceeded), chunks out of order or of the wrong size (416), a
dead token (access_token_invalid), and a PULL_FROM_URL video_url outside
the app's verified domains and URL prefixes (403 url_ownership_unverified,
as the direct post reference's error table has it).  A pull is a real
download of video_url by this server: PROCESSING_DOWNLOAD until it is
done, downloaded_bytes counting what arrived.

  tiktok.py PORTFILE LOG [flags]    (fakebase.py has the common flags)
  --processing=N     N status polls say PROCESSING_DOWNLOAD before complete
  --fail-processing  the post ends FAILED
  --no-public        the creator's options leave out PUBLIC_TO_EVERYONE
  --verified=P,...   URL prefixes verified for PULL_FROM_URL (none: every
                     pull is refused)
"""
import hashlib
import json
import re
import sys
import threading
import time
import urllib.request

import fakebase
from fakebase import Base, new_id

MB = 1024 * 1024
ups = {}
posts = {}
inits = {}
mu = threading.Lock()


def terr(code, msg):
    return {'data': {}, 'error': {'code': code, 'message': msg,
                                  'log_id': new_id('log')}}


def ok(data):
    return {'data': data, 'error': {'code': 'ok', 'message': '',
                                    'log_id': new_id('log')}}


def plan_ok(size, chunk, count):
    if size <= 0 or chunk <= 0:
        return False
    if size < 5 * MB:
        return chunk == size and count == 1
    if chunk == size and size <= 64 * MB:
        return count == 1
    if chunk < 5 * MB or chunk > 64 * MB:
        return False
    if count != size // chunk or not 1 <= count <= 1000:
        return False
    return size - (count - 1) * chunk <= 128 * MB


def pull(p, url):
    """Downloads url as TikTok would (bounded), into the post p."""
    h = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            while True:
                b = r.read(65536)
                if not b:
                    break
                h.update(b)
                with mu:
                    p['downloaded'] += len(b)
                if p['downloaded'] > 4 << 30:
                    raise ValueError('over 4 GB')
        with mu:
            p['pulled'] = h.hexdigest()
    except (OSError, ValueError):
        with mu:
            p['pulled'] = False


class H(Base):
    def api(self):
        data, _ = self.body()
        tok = self.bearer()
        if tok is None:
            self.reply(401, terr('access_token_invalid', 'The access token '
                                 'is invalid or not found in the request.'),
                       n=len(data))
            return None, None
        try:
            return tok, json.loads(data or b'{}')
        except ValueError:
            self.reply(400, terr('invalid_params', 'body is not JSON'),
                       n=len(data))
            return None, None

    def options(self):
        o = ['MUTUAL_FOLLOW_FRIENDS', 'FOLLOWER_OF_CREATOR', 'SELF_ONLY']
        if not fakebase.state().flag('no-public'):
            o.insert(0, 'PUBLIC_TO_EVERYONE')
        return o

    def do_POST(self):
        S = fakebase.state()
        r = self.route()
        if r == '/v2/oauth/token/':
            return self.token()
        if r == '/v2/post/publish/creator_info/query/':
            tok, b = self.api()
            if tok is None:
                return
            return self.reply(200, ok({
                'creator_username': 'svtest', 'creator_nickname': 'sv test',
                'privacy_level_options': self.options(),
                'comment_disabled': False, 'duet_disabled': False,
                'stitch_disabled': False,
                'max_video_post_duration_sec': 600}))
        if r == '/v2/post/publish/video/init/':
            tok, b = self.api()
            if tok is None:
                return
            with mu:
                now = time.time()
                inits[tok] = [t for t in inits.get(tok, []) if now - t < 60]
                if len(inits[tok]) >= 6:
                    return self.reply(429, terr('rate_limit_exceeded',
                                                'too many inits'))
                inits[tok].append(now)
            pi, si = b.get('post_info', {}), b.get('source_info', {})
            if si.get('source') == 'PULL_FROM_URL':
                return self.pull_init(pi, si)
            if si.get('source') != 'FILE_UPLOAD':
                return self.reply(400, terr('invalid_params', 'source'))
            size, chunk, count = (si.get('video_size'), si.get('chunk_size'),
                                  si.get('total_chunk_count'))
            if not all(isinstance(x, int) for x in (size, chunk, count)) or \
                    not plan_ok(size, chunk, count):
                return self.reply(400, terr('invalid_params',
                                            'chunk plan %s/%s/%s' %
                                            (size, chunk, count)),
                                  plan='refused')
            if pi.get('privacy_level') not in self.options():
                return self.reply(400, terr('privacy_level_option_mismatch',
                                            'privacy level'))
            if len(pi.get('title', '').encode('utf-16-le')) // 2 > 2200:
                return self.reply(400, terr('invalid_params', 'title'))
            pid = new_id('v_pub_file~v2-1.')
            uid = new_id('')
            ups[uid] = {'size': size, 'chunk': chunk, 'count': count,
                        'next': 0, 'data': bytearray(), 'pid': pid,
                        'puts': {}}
            posts[pid] = {'up': uid, 'polls': 0}
            url = 'http://127.0.0.1:%d/upload/?upload_id=%s&upload_token=' \
                  '%s' % (self.server.server_address[1], uid, new_id('t'))
            return self.reply(200, ok({'publish_id': pid,
                                       'upload_url': url}),
                              chunk=chunk, count=count,
                              privacy=pi.get('privacy_level'))
        if r == '/v2/post/publish/status/fetch/':
            tok, b = self.api()
            if tok is None:
                return
            p = posts.get(b.get('publish_id'))
            if p is None:
                return self.reply(400, terr('invalid_params',
                                            'publish_id'))
            if 'url' in p:
                return self.pull_status(p)
            u = ups[p['up']]
            d = {'uploaded_bytes': len(u['data'])}
            if u['next'] < u['count']:
                d['status'] = 'PROCESSING_UPLOAD'
            else:
                with mu:
                    p['polls'] += 1
                    left = int(S.flag('processing', '0')) - p['polls']
                if S.flag('fail-processing'):
                    d.update(status='FAILED',
                             fail_reason='file_format_check_failed')
                elif left >= 0:
                    d['status'] = 'PROCESSING_DOWNLOAD'
                else:
                    d.update(status='PUBLISH_COMPLETE',
                             publicaly_available_post_id=[
                                 7300000000000000000 + len(posts)])
            return self.reply(200, ok(d), state=d['status'])
        self.reply(404, terr('invalid_params', 'no such call'))

    def pull_init(self, pi, si):
        url = si.get('video_url')
        ver = [v for v in (fakebase.state().flag('verified') or '').split(',')
               if v]
        if not isinstance(url, str) or not url:
            return self.reply(400, terr('invalid_params', 'video_url'))
        if not any(url.startswith(v) for v in ver):
            return self.reply(403, terr(
                'url_ownership_unverified', 'Please review our URL '
                'ownership verification rules.'), source='PULL_FROM_URL')
        if pi.get('privacy_level') not in self.options():
            return self.reply(400, terr('privacy_level_option_mismatch',
                                        'privacy level'))
        pid = new_id('v_pub_url~v2-1.')
        p = {'url': url, 'polls': 0, 'downloaded': 0, 'pulled': None}
        posts[pid] = p
        threading.Thread(target=pull, args=(p, url), daemon=True).start()
        self.reply(200, ok({'publish_id': pid}), source='PULL_FROM_URL',
                   url=url)

    def pull_status(self, p):
        S = fakebase.state()
        with mu:
            got, n = p['pulled'], p['downloaded']
            if got:
                p['polls'] += 1
            left = int(S.flag('processing', '0')) - p['polls']
        d = {'downloaded_bytes': n}
        if got is None or (got and left >= 0):
            d['status'] = 'PROCESSING_DOWNLOAD'
        elif got is False:
            d.update(status='FAILED', fail_reason='video_pull_failed')
        else:
            d.update(status='PUBLISH_COMPLETE',
                     publicaly_available_post_id=[
                         7300000000000000000 + len(posts)])
        self.reply(200, ok(d), state=d['status'],
                   sha256=got if got else None)

    def do_PUT(self):
        u = ups.get(self.query().get('upload_id'))
        if u is None:
            data, _ = self.body()
            return self.reply(404, terr('invalid_params', 'upload'),
                              n=len(data))
        ct = self.headers.get('Content-Type')
        m = re.fullmatch(r'bytes (\d+)-(\d+)/(\d+)',
                         self.headers.get('Content-Range', ''))
        i = u['next']
        first = i * u['chunk']
        last = u['size'] - 1 if i == u['count'] - 1 else \
            first + u['chunk'] - 1
        if ct not in ('video/mp4', 'video/quicktime', 'video/webm'):
            data, _ = self.body()
            return self.reply(400, terr('invalid_file_upload',
                                        'content type'), n=len(data))
        if not m or int(m.group(3)) != u['size'] or \
                (int(m.group(1)), int(m.group(2))) != (first, last) or \
                i >= u['count']:
            # out of order, a chunk again after it was taken, wrong size
            data, _ = self.body()
            return self.reply(416, terr('invalid_params', 'range'),
                              n=len(data), chunk=i + 1)
        data, cut = self.body(upload=True)
        u['puts'][i] = u['puts'].get(i, 0) + 1
        if cut:
            # a chunk that did not arrive whole is not kept
            return self.drop(len(data), chunk=i + 1)
        if len(data) != last - first + 1:
            return self.reply(400, terr('invalid_file_upload', 'length'),
                              n=len(data))
        u['data'] += data
        u['next'] += 1
        if u['next'] == u['count']:
            return self.reply(201, n=len(data), chunk=i + 1,
                              sha256=hashlib.sha256(
                                  bytes(u['data'])).hexdigest(),
                              puts=sum(u['puts'].values()))
        self.reply(206, n=len(data), chunk=i + 1)

    def do_GET(self):
        if self.route() == '/v2/auth/authorize/':
            return self.authorize()
        self.reply(404, terr('invalid_params', 'no such call'))


fakebase.serve(H, sys.argv)
