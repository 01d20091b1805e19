#!/usr/bin/env python3
"""kick.py -- a local Kick (id.kick.com OAuth 2.1, public API v1) for tests.

Follows KickEngineering/KickDevDocs getting-started/
generating-tokens-oauth2-flow.md (GET /oauth/authorize with S256 PKCE,
mandatory; POST /oauth/token, code and refresh grants, each refresh
returning a new refresh token), scopes/scopes.md (streamkey:read "Read a
user's stream URL and stream key", channel:write "Update livestream
metadata") and apis/channels.md (GET/PATCH /public/v1/channels; answers
{"data": ..., "message": "OK"}), as summed up in shared/platforms.md
section 9.  Run it with --pkce --rotate to be Kick.  It refuses: a dead
token (401), PATCH without JSON or with an unknown field or a title over
100 characters [U limit], and it shows stream url/key only to a token with
streamkey:read.  There is no upload route: Kick has none.

  kick.py PORTFILE LOG [flags]   (fakebase.py has the common flags)
  --url=U            the channel's stream.url (rtmp://127.0.0.1:P/app)
  --key=K            the channel's stream.key (sk_us-west-2_sv)
  --no-key-scope     tokens lack streamkey:read
"""
import json
import sys

import fakebase
from fakebase import Base


def kerr(st, msg):
    return {'data': {}, 'message': msg}


class H(Base):
    def auth_ok(self, n=0):
        if self.bearer() is None:
            self.reply(401, kerr(401, 'Unauthorized'), n=n)
            return False
        return True

    def do_GET(self):
        S = fakebase.state()
        r = self.route()
        if r == '/oauth/authorize':
            return self.authorize()
        if r == '/public/v1/channels':
            if not self.auth_ok():
                return
            own = not self.query()
            stream = {'is_live': False, 'is_mature': False,
                      'language': 'en', 'start_time': '',
                      'thumbnail': '', 'viewer_count': 0,
                      'url': '', 'key': ''}
            if own and not S.flag('no-key-scope'):
                stream['url'] = S.flag('url', 'rtmp://127.0.0.1:1935/app')
                stream['key'] = S.flag('key', 'sk_us-west-2_sv')
            return self.reply(200, {'data': [{
                'banner_picture': '', 'broadcaster_user_id': 4711,
                'category': {'id': 0, 'name': '', 'thumbnail': ''},
                'channel_description': '', 'slug': 'svtest',
                'stream': stream, 'stream_title': ''}],
                'message': 'OK'}, key=bool(stream['key']))
        self.reply(404, kerr(404, 'Not Found'))

    def do_PATCH(self):
        data, _ = self.body()
        if self.route() != '/public/v1/channels':
            return self.reply(404, kerr(404, 'Not Found'), n=len(data))
        if not self.auth_ok(len(data)):
            return
        if not (self.headers.get('Content-Type') or '').startswith(
                'application/json'):
            return self.reply(400, kerr(400, 'Bad Request'), n=len(data))
        try:
            o = json.loads(data)
        except ValueError:
            o = None
        if not isinstance(o, dict) or not o or \
                set(o) - {'category_id', 'custom_tags', 'stream_title'} or \
                len(o.get('stream_title', '')) > 100:
            return self.reply(400, kerr(400, 'Bad Request'), n=len(data))
        self.reply(204, n=len(data), title=o.get('stream_title'))

    def do_POST(self):
        r = self.route()
        if r == '/oauth/token':
            return self.token()
        data, _ = self.body()
        self.reply(404, kerr(404, 'Not Found'), n=len(data))


fakebase.serve(H, sys.argv)
