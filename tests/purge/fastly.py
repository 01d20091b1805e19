#!/usr/bin/env python3
"""fastly.py -- a local Fastly purge API, as documented in "Purging"
(https://www.fastly.com/documentation/reference/api/purging/): POST
/purge/{cached_url} (host and path, no scheme) purges one URL, POST
/service/{service_id}/purge_all everything, both with a "Fastly-Key"
header.  Refuses a missing or wrong key (401 {"msg":"Provided credentials
are missing or invalid"}), a cached_url without a host (400), another
method on those routes (405), unknown routes (404).  Answers
{"status":"ok","id":"<n>-<time>-<n>"} as the API does.
usage: fastly.py TOKEN LOG"""
import re
import time

from fakecdn import Handler, arg, serve

TOKEN = arg(1)
N = [0]


class Fastly(Handler):
    def do_POST(self):
        self.body()
        purge = re.fullmatch(r"/purge/([^/]+)(/.*)", self.path)
        allp = re.fullmatch(r"/service/([A-Za-z0-9]+)/purge_all", self.path)
        if not purge and not allp:
            return self.reply(404, {"msg": "Record not found"})
        if self.headers.get("fastly-key") != TOKEN:
            return self.reply(401, {"msg": "Provided credentials are "
                                    "missing or invalid"})
        if purge and "." not in purge.group(1) and ":" not in purge.group(1):
            return self.reply(400, {"msg": "Bad request", "detail":
                                    "cached_url needs a host"})
        N[0] += 1
        self.record(url=purge.group(1) + purge.group(2) if purge else None,
                    service=allp.group(1) if allp else None)
        self.reply(200, {"status": "ok",
                         "id": "%d-%d-%d" % (108, time.time(), N[0])})

    def do_GET(self):
        self.reply(405, {"msg": "Method not allowed"})

    do_PUT = do_DELETE = do_GET


serve(Fastly, arg(2))
