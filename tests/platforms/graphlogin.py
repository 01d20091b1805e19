"""graphlogin.py -- Facebook Login as the Graph API fakes serve it.

Follows developers.facebook.com/docs/facebook-login/guides/advanced/
manual-flow (the dialog /v{N}/dialog/oauth redirects to redirect_uri with
code and state; GET /v{N}/oauth/access_token with client_id, redirect_uri,
client_secret and code gives a short-lived user token), .../facebook-login/
guides/access-tokens/get-long-lived (grant_type=fb_exchange_token gives a
long-lived user token, about 60 days), .../pages-api/overview and
.../graph-api/reference/user/accounts (GET /me/accounts: the Pages the user
has a role on, each with its own access_token and tasks; a Page token got
with a long-lived user token does not expire) and, for Instagram,
.../instagram-platform/instagram-api-with-facebook-login/get-started (GET
/{page-id}?fields=instagram_business_account).  What the real endpoints
refuse is refused: a code exchanged twice (it is single use), a
redirect_uri that is not the dialog's, a wrong app secret, a short token
exchange with a token that is not one; all as Graph errors (code 100 or
190, OAuthException, HTTP 400; the subcodes 36007-36009 are [U]).

Flags (with fakebase.py's): --pages=ID:NAME[:TASKS],...   the user's Pages
(TASKS '+'-separated, default CREATE_CONTENT+MANAGE); --ig=PAGE:IGID,...
the Instagram business accounts linked to Pages.
"""
import urllib.parse

import fakebase
from fakebase import new_id

V = '/v21.0'
codes = {}          # code -> redirect_uri; popped on first use
short = set()       # short-lived user tokens
long = set()        # long-lived user tokens
page_tokens = {}    # page token -> page id


def gerr(msg, code, sub=None):
    e = {'message': msg, 'type': 'OAuthException', 'code': code,
         'fbtrace_id': new_id('A')}
    if sub is not None:
        e['error_subcode'] = sub
    return {'error': e}


def pages():
    out = []
    spec = fakebase.state().flag('pages', '1234567890:Test Page')
    for p in spec.split(','):
        parts = p.split(':')
        tasks = parts[2].split('+') if len(parts) > 2 else \
            ['CREATE_CONTENT', 'MANAGE']
        out.append({'id': parts[0], 'name': parts[1], 'tasks': tasks})
    return out


def serve(h):
    """Answers the login endpoints; False when the request is not one."""
    S = fakebase.state()
    r, q = h.route(), h.query()
    if r == V + '/dialog/oauth':
        # stands in for the user's consent in a browser
        if q.get('client_id') != S.client_id or \
                q.get('response_type', 'code') != 'code' or \
                not q.get('redirect_uri'):
            h.reply(400, gerr('Invalid redirect_uri or app id', 191))
            return True
        code = new_id('AQ')
        codes[code] = q['redirect_uri']
        h.reply(302, headers={'Location': q['redirect_uri'] + '?' +
                              urllib.parse.urlencode(
                                  {'code': code,
                                   'state': q.get('state', '')})},
                scope=q.get('scope'))
        return True
    if r == V + '/oauth/access_token':
        if q.get('client_id') != S.client_id or \
                q.get('client_secret') != S.client_secret:
            h.reply(400, gerr('Error validating client secret.', 1))
            return True
        if q.get('grant_type') == 'fb_exchange_token':
            if q.get('fb_exchange_token') not in short | long:
                h.reply(400, gerr('Invalid OAuth access token.', 190))
                return True
            t = new_id('EAAL')
            long.add(t)
            h.reply(200, {'access_token': t, 'token_type': 'bearer',
                          'expires_in': 5183944}, grant='fb_exchange_token')
            return True
        code = q.get('code')
        if code not in codes:
            h.reply(400, gerr('This authorization code has been used.', 100,
                              36009), grant='refused')
            return True
        uri = codes.pop(code)
        if uri != q.get('redirect_uri'):
            h.reply(400, gerr('Error validating verification code. Please '
                              'make sure your redirect_uri is identical to '
                              'the one you used in the OAuth dialog '
                              'request', 100, 36008), grant='refused')
            return True
        t = new_id('EAAS')
        short.add(t)
        h.reply(200, {'access_token': t, 'token_type': 'bearer',
                      'expires_in': 5400}, grant='authorization_code')
        return True
    if r == V + '/me/accounts':
        if q.get('access_token') not in short | long:
            h.reply(400, gerr('Invalid OAuth access token.', 190))
            return True
        data = []
        for p in pages():
            t = new_id('EAAP')
            page_tokens[t] = p['id']
            # the upload endpoints take it as they take --access
            S.access.add(t)
            data.append(dict(p, access_token=t, category='Media'))
        h.reply(200, {'data': data, 'paging': {'cursors': {
            'before': 'b', 'after': 'a'}}}, pages=len(data))
        return True
    ig = dict(x.split(':') for x in S.flag('ig', '').split(',') if x)
    pid = r[len(V) + 1:]
    if r.startswith(V + '/') and \
            q.get('fields') == 'instagram_business_account' and \
            pid in [p['id'] for p in pages()]:
        if page_tokens.get(q.get('access_token')) != pid:
            h.reply(400, gerr('Invalid OAuth access token.', 190))
            return True
        body = {'id': pid}
        if pid in ig:
            body['instagram_business_account'] = {'id': ig[pid]}
        h.reply(200, body)
        return True
    return False


def long_lived(tok):
    """Nonzero for a long-lived user token this login issued."""
    return tok in long
