#!/usr/bin/env python3
"""twitch.py -- a local Twitch (id, Helix, ingest list) for sv-publish tests.

Follows dev.twitch.tv/docs/authentication/validate-tokens (GET
/oauth2/validate with "Authorization: OAuth <token>" -> client_id, login,
scopes, user_id, expires_in; 401 {"status":401,"message":"invalid access
token"}), .../authentication/refresh-tokens, .../api/reference#get-stream-key
(GET /helix/streams/key?broadcaster_id=ID, "Authorization: Bearer" and
"Client-Id", scope channel:read:stream_key -> {"data":[{"stream_key"}]}),
.../api/reference#modify-channel-information (PATCH /helix/channels, JSON,
204) and the ingest list (GET ingest.twitch.tv/ingests, no auth ->
ingests[].url_template with {stream_key}), as summed up in
shared/platforms.md section 2.  Helix errors are
{"error":"Unauthorized","status":401,"message":...}.  It refuses: a dead or
missing token, a Client-Id that is not the token's, a broadcaster_id that
is not the token's user, a missing scope, a PATCH that is not JSON or has a
title over 140 characters.  There is no upload route: Twitch has none.

  twitch.py PORTFILE LOG [flags]   (fakebase.py has the common flags)
  --key=K            the channel's stream key (live_44322889_sv)
  --ingest=URL       the ingest's rtmp://host:port/app
  --user=ID          the token's user id (44322889)
  --no-scope         tokens lack channel:read:stream_key
  --429=N            the first N Helix calls get 429 with Ratelimit-*
"""
import json
import sys
import threading

import fakebase
from fakebase import Base

mu = threading.Lock()
left429 = [None]


def terr(st, err, msg):
    return {'error': err, 'status': st, 'message': msg}


class H(Base):
    def scopes(self):
        S = fakebase.state()
        s = ['channel:manage:broadcast']
        if not S.flag('no-scope'):
            s.append('channel:read:stream_key')
        return s

    def helix_auth(self, n=0):
        """True when the call may go on; else it is answered."""
        S = fakebase.state()
        if self.bearer() is None:
            self.reply(401, terr(401, 'Unauthorized', 'Invalid OAuth token'),
                       n=n)
            return False
        if self.headers.get('Client-Id') != S.client_id:
            self.reply(401, terr(401, 'Unauthorized', 'Client ID and OAuth '
                                 'token do not match'), n=n)
            return False
        with mu:
            if left429[0] is None:
                left429[0] = int(S.flag('429', '0'))
            if left429[0] > 0:
                left429[0] -= 1
                self.reply(429, terr(429, 'Too Many Requests',
                                     'Rate limit exceeded'), n=n,
                           headers={'Ratelimit-Limit': '800',
                                    'Ratelimit-Remaining': '0',
                                    'Ratelimit-Reset': '0'})
                return False
        if self.query().get('broadcaster_id') != S.flag('user', '44322889'):
            self.reply(401, terr(401, 'Unauthorized', 'The ID in '
                                 'broadcaster_id must match the user ID '
                                 'found in the request\'s OAuth token.'),
                       n=n)
            return False
        return True

    def do_GET(self):
        S = fakebase.state()
        r = self.route()
        if r == '/oauth2/authorize':
            return self.authorize()
        if r == '/oauth2/validate':
            h = self.headers.get('Authorization') or ''
            tok = h[6:] if h.startswith('OAuth ') else None
            if tok is None or tok not in S.access:
                return self.reply(401, {'status': 401,
                                        'message': 'invalid access token'})
            return self.reply(200, {'client_id': S.client_id,
                                    'login': 'svtest',
                                    'scopes': self.scopes(),
                                    'user_id': S.flag('user', '44322889'),
                                    'expires_in': 5000})
        if r == '/ingests':
            ing = S.flag('ingest', 'rtmp://127.0.0.1:1935/app')
            return self.reply(200, {'ingests': [
                {'_id': 1, 'availability': 1.0, 'default': False,
                 'name': 'backup', 'priority': 2,
                 'url_template': 'rtmp://backup.invalid/app/{stream_key}',
                 'url_template_secure':
                 'rtmps://backup.invalid:443/app/{stream_key}'},
                {'_id': 2, 'availability': 1.0, 'default': True,
                 'name': 'local', 'priority': 1,
                 'url_template': ing + '/{stream_key}',
                 'url_template_secure':
                 ing.replace('rtmp://', 'rtmps://') + '/{stream_key}'}]})
        if r == '/helix/streams/key':
            if not self.helix_auth():
                return
            if S.flag('no-scope'):
                return self.reply(401, terr(401, 'Unauthorized',
                                            'Missing scope: '
                                            'channel:read:stream_key'))
            return self.reply(200, {'data': [
                {'stream_key': S.flag('key', 'live_44322889_sv')}]},
                key=True)
        self.reply(404, terr(404, 'Not Found', 'no such route'))

    def do_PATCH(self):
        data, _ = self.body()
        if self.route() != '/helix/channels':
            return self.reply(404, terr(404, 'Not Found', 'no such route'),
                              n=len(data))
        if not self.helix_auth(len(data)):
            return
        if not (self.headers.get('Content-Type') or '').startswith(
                'application/json'):
            return self.reply(400, terr(400, 'Bad Request', 'Content-Type '
                                        'must be application/json'),
                              n=len(data))
        try:
            o = json.loads(data)
        except ValueError:
            o = None
        if not isinstance(o, dict) or not o or \
                len(o.get('title', '')) > 140:
            return self.reply(400, terr(400, 'Bad Request', 'bad body'),
                              n=len(data))
        self.reply(204, n=len(data), title=o.get('title'))

    def do_POST(self):
        r = self.route()
        if r == '/oauth2/token':
            return self.token()
        data, _ = self.body()
        self.reply(404, terr(404, 'Not Found', 'no such route'), n=len(data))


fakebase.serve(H, sys.argv)
