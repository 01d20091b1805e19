#!/usr/bin/env python3
"""rumble.py -- a local Rumble upload API for the sv-publish tests.

Follows rumbleplayer.com/developers/Rumble-Upload-API.html (also
help.rumble.com/Rumble-Upload-API.html): POST /api/simple-upload.php,
multipart/form-data with access_token (40 characters), title, description
and license_type (0 or 6) required, channel_id, guid, thumb and video
optional; 403 for a bad or banned token; otherwise 200 with
{"success":true, video_id, video_id_int, url_monetized,
embed_url_monetized, embed_html_monetized, embed_js_monetized} or
{"success":false, "errors":{field: {code, message, internal_code}}}, the
list-wrapped shape of the document's example with --list-errors; as summed
up in shared/platforms.md section 7.  It refuses: a body that is not
multipart, a token that is not the one it knows (403), a missing required
field or video, a license_type other than 0 or 6, a non-numeric
channel_id.  There is no resume and no status route.

  rumble.py PORTFILE LOG [flags]   (fakebase.py has the common flags)
  --token=T          the one valid token (40 characters; default 40 x 'a')
  --banned           the token is banned: 403
  --500=N            the first N uploads answer 500
  --fail             uploads end success:false SOMETHING_WENT_WRONG
  --list-errors      errors come wrapped in [ ]
"""
import hashlib
import sys
import threading

import fakebase
from fakebase import Base, multipart

mu = threading.Lock()
n500 = [None]
count = [0]


class H(Base):
    def failure(self, field, code, msg, n, **kw):
        S = fakebase.state()
        errs = {field: {'code': code, 'message': msg, 'internal_code': 1}}
        if S.flag('list-errors'):
            errs = [errs]
        self.reply(200, {'success': False, 'errors': errs}, n=n, **kw)

    def do_POST(self):
        S = fakebase.state()
        if self.route() != '/api/simple-upload.php':
            data, _ = self.body()
            return self.reply(404, b'Not Found', ctype='text/html',
                              n=len(data))
        data, cut = self.body(upload=True)
        if cut:
            return self.drop(len(data))
        with mu:
            if n500[0] is None:
                n500[0] = int(S.flag('500', '0'))
            if n500[0] > 0:
                n500[0] -= 1
                return self.reply(500, b'<h1>500</h1>', ctype='text/html',
                                  n=len(data))
        parts = multipart(self.headers.get('Content-Type', ''), data)
        if parts is None:
            return self.failure('_', 'SOMETHING_WENT_WRONG',
                                'not multipart', len(data))
        tok = parts.get('access_token', (None, b''))[1].decode()
        if tok != S.flag('token', 'a' * 40) or S.flag('banned'):
            return self.reply(403, b'Forbidden', ctype='text/html',
                              n=len(data))
        for f in ('title', 'description', 'license_type'):
            if f not in parts or not parts[f][1]:
                return self.failure(f, 'REQUIRED', f + ' is required',
                                    len(data))
        if parts['license_type'][1] not in (b'0', b'6'):
            return self.failure('license_type', 'INVALID',
                                'license_type is 0 or 6', len(data))
        if 'channel_id' in parts and not parts['channel_id'][1].isdigit():
            return self.failure('channel_id', 'INVALID', 'channel_id',
                                len(data))
        if 'video' not in parts or parts['video'][0] is None:
            return self.failure('video', 'REQUIRED', 'video is required',
                                len(data))
        if S.flag('fail'):
            return self.failure('_', 'SOMETHING_WENT_WRONG',
                                'Something went wrong', len(data))
        body = parts['video'][1]
        with mu:
            count[0] += 1
            vid = 'v%x' % (0x4c0000 + count[0])
        thumb = parts.get('thumb')
        self.reply(200, {
            'success': True, 'video_id': vid,
            'video_id_int': 0x4c0000 + count[0],
            'url_monetized': 'https://rumble.com/%s-clip.html' % vid,
            'embed_url_monetized': 'https://rumble.com/embed/%s/' % vid,
            'embed_html_monetized': '<iframe></iframe>',
            'embed_js_monetized': ''}, n=len(data), stored=len(body),
            sha256=hashlib.sha256(body).hexdigest(),
            title=parts['title'][1].decode(),
            license=parts['license_type'][1].decode(),
            thumb=len(thumb[1]) if thumb else None)


fakebase.serve(H, sys.argv)
