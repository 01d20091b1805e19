#!/usr/bin/env python3
"""cloudflare.py -- a local Cloudflare purge API, as documented in
"Purge Cached Content" (https://developers.cloudflare.com/api/resources/
cache/methods/purge/) and "Purge by single-file"/"Purge by prefix"
(https://developers.cloudflare.com/cache/how-to/purge-cache/):
POST /client/v4/zones/{zone_id}/purge_cache with "Authorization: Bearer
TOKEN" and a JSON body of exactly one of files (absolute URLs, at most 30
a call outside Enterprise), prefixes (host/path, no scheme), tags, hosts,
purge_everything.  Refuses, with Cloudflare's envelope
{"success":false,"errors":[{"code":..,"message":..}]}: a wrong token
(403, 10000), a zone id that is not 32 hex digits (400, 7003), a body that
is not JSON or names no or several kinds (400, 1012), more than 30 files
(400, 1015), a file that is not an absolute URL or a prefix with a scheme
(400, 1012).  Answers {"success":true,"errors":[],"messages":[],
"result":{"id":ZONE}} as the API does.
usage: cloudflare.py TOKEN LOG"""
import json
import re

from fakecdn import Handler, arg, serve

TOKEN = arg(1)
KINDS = ("files", "prefixes", "tags", "hosts", "purge_everything")


def fail(h, status, code, msg):
    h.reply(status, {"success": False, "errors": [{"code": code,
                                                   "message": msg}],
                     "messages": [], "result": None})


class CF(Handler):
    def do_POST(self):
        m = re.fullmatch(r"/client/v4/zones/([^/]+)/purge_cache", self.path)
        body = self.body()
        if not m:
            return fail(self, 404, 7000, "No route for that URI")
        if self.headers.get("authorization") != "Bearer " + TOKEN:
            return fail(self, 403, 10000, "Authentication error")
        zone = m.group(1)
        if not re.fullmatch(r"[0-9a-f]{32}", zone):
            return fail(self, 400, 7003, "Could not route to /zones/%s/"
                        "purge_cache, perhaps your object identifier is "
                        "invalid?" % zone)
        try:
            doc = json.loads(body)
        except ValueError:
            return fail(self, 400, 1012, "Request must contain one of "
                        "\"purge_everything\", \"files\", \"tags\", "
                        "\"hosts\" or \"prefixes\"")
        kinds = [k for k in KINDS if k in doc] if isinstance(doc, dict) \
            else []
        if len(kinds) != 1:
            return fail(self, 400, 1012, "Request must contain one of "
                        "\"purge_everything\", \"files\", \"tags\", "
                        "\"hosts\" or \"prefixes\"")
        k = kinds[0]
        if k == "files":
            if len(doc[k]) > 30:
                return fail(self, 400, 1015, "You may only purge up to 30 "
                            "files per request")
            for f in doc[k]:
                u = f.get("url") if isinstance(f, dict) else f
                if not re.match(r"https?://[^/]+/", str(u)):
                    return fail(self, 400, 1012, "Invalid url: %s" % u)
        if k == "prefixes":
            for p in doc[k]:
                if "://" in p or "/" not in p:
                    return fail(self, 400, 1012, "Invalid prefix: %s" % p)
        self.record(zone=zone, body=doc)
        self.reply(200, {"success": True, "errors": [], "messages": [],
                         "result": {"id": zone}})


serve(CF, arg(2))
