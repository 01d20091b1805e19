#!/usr/bin/env python3
"""stats_series.py -- write a synthetic audience series for the sv-stats
tests: hourly intervals with a linear trend, a daily season, seeded noise
and spikes at the hours given.

  stats_series.py FORMAT DAYS [SPIKE_HOUR...] > out
FORMAT: json (one document, as `sv-stats logs` prints), jsonl (one window
of a day per line, as `logs --follow`), csv (t,value of the viewers).
"""
import datetime
import json
import math
import random
import sys

fmt, days = sys.argv[1], int(sys.argv[2])
spikes = {int(h) for h in sys.argv[3:]}
random.seed(7)
t0 = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc)
series = []
for i in range(days * 24):
    v = 1000 + 2 * i + 300 * math.sin(2 * math.pi * i / 24) \
        + random.gauss(0, 20)
    if i in spikes:
        v += 400
    t = (t0 + datetime.timedelta(hours=i)).strftime('%Y-%m-%dT%H:%M:%SZ')
    series.append({"t": t, "requests": int(v * 360),
                   "bytes": int(v * 360 * 1.2e6), "viewers": round(v),
                   "bitrate": round(3.2e6 + 1e5 * math.sin(i / 5)),
                   "rebuffer": round(0.01 + 0.005 * math.sin(i / 7) ** 2, 5)})
rends = [{"id": "1080p", "share": 0.5}, {"id": "720p", "share": 0.3},
         {"id": "360p", "share": 0.2}]
if fmt == "json":
    json.dump({"series": series, "renditions": rends}, sys.stdout)
    print()
elif fmt == "jsonl":
    for k in range(0, len(series), 24):
        sh = round(0.3 + 0.2 * math.sin(k / 30), 4)
        print(json.dumps({"series": series[k:k + 24], "renditions": [
            {"id": "1080p", "share": sh},
            {"id": "720p", "share": round(0.7 - sh, 4)},
            {"id": "360p", "share": 0.3}]}))
else:
    for p in series:
        print("%s,%d" % (p["t"], p["viewers"]))
