#!/usr/bin/env python3
"""odysee.py -- a local lbrynet daemon API (JSON-RPC) for sv-publish.

Follows the lbry-sdk's jsonrpc_publish and jsonrpc_claim_search docstrings
(the LBRY JSON-RPC API documentation) as platforms.md section 8 gives them:
POST / with {"jsonrpc":"2.0","method","params","id"}; publish takes name
(letters, digits, '-'), bid (decimal LBC, required when no claim is at the
name: a new claim), file_path (a file the daemon reads), title,
description, tags, thumbnail_url, channel_name, blocking; one claim at
the name is updated, several are an error; the answer is a transaction
{txid, outputs:[{claim_id, name, permanent_url, ...}]}; errors come as
{"jsonrpc":"2.0","error":{"code":-32500,"message","data":{"name",
"traceback"}},"id"} with HTTP 200, an unknown method as -32601.  A bid
over the wallet's balance is "Not enough funds".

  odysee.py PORTFILE LOG [flags]
  --balance=LBC      the wallet's balance (default 10)
  --claimed=NAME     a claim already at NAME (publish updates it)
  --twice=NAME       two claims at NAME (publish refuses)
"""
import hashlib
import json
import os
import re
import sys

import fakebase
from fakebase import Base, new_id

claims = {}


def fail(msg, code=-32500):
    return {'code': code, 'message': msg,
            'data': {'name': 'Exception', 'traceback': ['Traceback ...']}}


class H(Base):
    def do_POST(self):
        data, _ = self.body()
        try:
            req = json.loads(data)
            method, params = req['method'], req.get('params', {})
        except (ValueError, KeyError, TypeError):
            return self.reply(200, {'jsonrpc': '2.0', 'id': None,
                                    'error': fail('Parse error', -32700)},
                              n=len(data))
        rid = req.get('id')
        fn = {'publish': self.publish,
              'claim_search': self.claim_search}.get(method)
        if fn is None:
            out, extra = {'error': fail('Invalid method requested: %s.' %
                                        method, -32601)}, {}
        else:
            out, extra = fn(params)
        out.update({'jsonrpc': '2.0', 'id': rid})
        self.reply(200, out, n=len(data), method=method,
                   ok='result' in out, **extra)

    def publish(self, p):
        S = fakebase.state()
        name = p.get('name', '')
        if not re.fullmatch(r'[A-Za-z0-9-]+', name or ''):
            return {'error': fail("'%s' is not a valid name" % name)}, {}
        if name == S.flag('twice'):
            return {'error': fail("There are 2 claims for '%s', please "
                                  "specify the claim_id of the one to "
                                  "update." % name)}, {}
        fp = p.get('file_path')
        if not fp or not os.path.isabs(fp) or not os.path.isfile(fp):
            return {'error': fail("File does not exist: %s" % fp)}, {}
        update = name == S.flag('claimed') or any(
            c['name'] == name for c in claims.values())
        bid = p.get('bid')
        if bid is None and not update:
            return {'error': fail("'bid' is a required argument for new "
                                  "publishes.")}, {}
        if bid is not None:
            try:
                b = float(bid)
            except ValueError:
                return {'error': fail("Invalid amount: %s" % bid)}, {}
            if b > float(S.flag('balance', '10')):
                return {'error': fail("Not enough funds to cover this "
                                      "transaction.")}, {}
        with open(fp, 'rb') as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        cid = hashlib.sha1(name.encode()).hexdigest()
        claims[cid] = {'name': name, 'title': p.get('title')}
        tx = {'txid': new_id() * 5 + 'ab',
              'outputs': [{'type': 'claim', 'claim_id': cid, 'name': name,
                           'permanent_url': 'lbry://%s#%s' % (name, cid),
                           'amount': bid or '0.01'}],
              'height': -2}
        return {'result': tx}, {'name': name, 'bid': bid, 'sha256': sha,
                                'title': p.get('title'),
                                'tags': p.get('tags'),
                                'update': update}

    def claim_search(self, p):
        c = claims.get(p.get('claim_id'))
        items = [] if c is None else [{
            'claim_id': p['claim_id'], 'name': c['name'],
            'confirmations': 6,
            'permanent_url': 'lbry://%s#%s' % (c['name'], p['claim_id'])}]
        return {'result': {'items': items, 'page': 1, 'page_size': 20,
                           'total_items': len(items)}}, {}


fakebase.serve(H, sys.argv)
