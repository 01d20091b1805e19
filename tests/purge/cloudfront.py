#!/usr/bin/env python3
"""cloudfront.py -- a local CloudFront CreateInvalidation, as documented in
the CloudFront API Reference, "CreateInvalidation"
(https://docs.aws.amazon.com/cloudfront/latest/APIReference/
API_CreateInvalidation.html) and "Signature Version 4 signing process"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html):
POST /2020-05-31/distribution/{Id}/invalidation with an InvalidationBatch
(Paths/Quantity, Paths/Items/Path..., CallerReference), signed with SigV4
for region us-east-1 and service cloudfront.  Refuses, with CloudFront's
<ErrorResponse>: no or a malformed Authorization, another key, region or
service, or a signature that does not match (403 SignatureDoesNotMatch /
InvalidClientTokenId / IncompleteSignature), an x-amz-date more than 15
minutes off (403 RequestTimeTooSkewed), a body that is not the batch
(400 MalformedXML), a Quantity that is not the number of paths, a path
not starting with '/' or with '*' anywhere but at its end (400
InvalidArgument), an unknown distribution (404 NoSuchDistribution).
Answers 201 with a Location header and the Invalidation (Id, Status
InProgress, CreateTime, the batch).
usage: cloudfront.py ACCESS_KEY SECRET DISTRIBUTION_ID LOG"""
import datetime
import hashlib
import hmac
import re
import xml.etree.ElementTree as ET

from fakecdn import Handler, arg, serve

ACCESS, SECRET, DIST = arg(1), arg(2), arg(3)
NS = "{http://cloudfront.amazonaws.com/doc/2020-05-31/}"
N = [0]


def error(h, status, code, msg):
    h.reply(status, '<?xml version="1.0"?>\n<ErrorResponse xmlns="http://'
            'cloudfront.amazonaws.com/doc/2020-05-31/"><Error><Type>Sender'
            '</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>'
            'fake</RequestId></ErrorResponse>' % (code, msg), "text/xml")


def hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def check_sig(h, body):
    auth = h.headers.get("authorization") or ""
    m = re.fullmatch(r"AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/"
                     r"([^/]+)/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?"
                     r"Signature=([0-9a-f]{64})", auth)
    if not m:
        return 403, "IncompleteSignature", "Authorization header is malformed"
    key, day, region, service, signed, sig = m.groups()
    if key != ACCESS:
        return 403, "InvalidClientTokenId", "The security token included " \
            "in the request is invalid."
    if region != "us-east-1" or service != "cloudfront":
        return 403, "SignatureDoesNotMatch", "Credential should be scoped " \
            "to a valid region and service"
    amz = h.headers.get("x-amz-date") or ""
    try:
        t = datetime.datetime.strptime(amz, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=datetime.timezone.utc)
    except ValueError:
        return 403, "IncompleteSignature", "x-amz-date is missing"
    now = datetime.datetime.now(datetime.timezone.utc)
    if abs((now - t).total_seconds()) > 900:
        return 403, "RequestTimeTooSkewed", "Signature expired"
    names = signed.split(";")
    if "host" not in names or "x-amz-date" not in names:
        return 403, "SignatureDoesNotMatch", "host and x-amz-date must be " \
            "signed"
    canon_h = "".join("%s:%s\n" % (n, " ".join((h.headers.get(n) or "")
                                               .split())) for n in names)
    payload = h.headers.get("x-amz-content-sha256") or \
        hashlib.sha256(body).hexdigest()
    if payload != hashlib.sha256(body).hexdigest():
        return 403, "SignatureDoesNotMatch", "payload hash does not match"
    creq = "\n".join([h.command, h.path.split("?")[0], "", canon_h, signed,
                      payload])
    sts = "\n".join(["AWS4-HMAC-SHA256", amz, "%s/%s/%s/aws4_request" %
                     (day, region, service),
                     hashlib.sha256(creq.encode()).hexdigest()])
    k = hm(hm(hm(hm(("AWS4" + SECRET).encode(), day), region), service),
           "aws4_request")
    if not hmac.compare_digest(hmac.new(k, sts.encode(), hashlib.sha256)
                               .hexdigest(), sig):
        return 403, "SignatureDoesNotMatch", "The request signature we " \
            "calculated does not match the signature you provided."
    return None


class CF(Handler):
    def do_POST(self):
        body = self.body()
        m = re.fullmatch(r"/2020-05-31/distribution/([A-Z0-9]+)/invalidation",
                         self.path)
        if not m:
            return error(self, 404, "NotFound", "no such route")
        bad = check_sig(self, body)
        if bad:
            return error(self, *bad)
        if m.group(1) != DIST:
            return error(self, 404, "NoSuchDistribution", "The specified "
                         "distribution does not exist.")
        try:
            root = ET.fromstring(body)
            if root.tag != NS + "InvalidationBatch":
                raise ValueError
            qty = int(root.find(NS + "Paths/" + NS + "Quantity").text)
            paths = [p.text for p in root.findall(NS + "Paths/" + NS +
                                                  "Items/" + NS + "Path")]
            ref = root.find(NS + "CallerReference").text
            if not ref:
                raise ValueError
        except (ValueError, AttributeError, TypeError, ET.ParseError):
            return error(self, 400, "MalformedXML", "The XML you provided "
                         "was not well-formed or did not validate.")
        if qty != len(paths):
            return error(self, 400, "InvalidArgument", "Your request "
                         "contains %d items but Quantity is %d." %
                         (len(paths), qty))
        for p in paths:
            if not p or p[0] != "/" or "*" in p[:-1]:
                return error(self, 400, "InvalidArgument", "Invalid path: "
                             "%s" % p)
        N[0] += 1
        iid = "I%013d" % N[0]
        self.record(distribution=DIST, paths=paths, caller=ref)
        items = "".join("<Path>%s</Path>" % p for p in paths)
        self.reply(201, '<?xml version="1.0"?>\n<Invalidation xmlns="http://'
                   'cloudfront.amazonaws.com/doc/2020-05-31/"><Id>%s</Id>'
                   '<Status>InProgress</Status><CreateTime>%s</CreateTime>'
                   '<InvalidationBatch><Paths><Quantity>%d</Quantity><Items>'
                   '%s</Items></Paths><CallerReference>%s</CallerReference>'
                   '</InvalidationBatch></Invalidation>' % (
                       iid, datetime.datetime.utcnow().isoformat() + "Z",
                       qty, items, ref), "text/xml",
                   [("location", "https://cloudfront.amazonaws.com/"
                     "2020-05-31/distribution/%s/invalidation/%s" %
                     (DIST, iid))])


serve(CF, arg(4))
