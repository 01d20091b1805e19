#!/usr/bin/env python3
# cpix_server.py -- a SPEKE v2 / DASH-IF CPIX 2.3 key server for the tests.
#
# Answers POST /speke/v2.0/copyProtection as a key provider does: checks
# the headers and the CPIX request, fills each ContentKey with a key, each
# DRMSystem with PSSH boxes, ContentProtectionData and HLS signalling, and
# answers errors with the status codes and messages SPEKE v2 uses (422 for
# a bad CPIX document).  Keys are HMAC-SHA256(secret, contentId|kid)[:16]
# so tests can recompute them.  Some content ids make it misbehave on
# purpose: "fail-500", "garbage", "wrong-cid", "drop-key", "extra-key",
# "encrypted", "bad-pssh", "slow", "huge".
#
#   cpix_server.py PORTFILE [LOGDIR]     (binds 127.0.0.1, port 0)
# With $CPIX_AUTH set, requests need "Authorization: $CPIX_AUTH".
import base64
import hashlib
import hmac
import http.server
import os
import struct
import sys
import time
import uuid
import xml.etree.ElementTree as ET

CPIX = "urn:dashif:org:cpix"
PSKC = "urn:ietf:params:xml:ns:keyprov:pskc"
SECRET = b"cpix-test-server-secret"
WIDEVINE = "edef8ba9-79d6-4ace-a3c8-27dcd51d21ed"
PLAYREADY = "9a04f079-9840-4286-ab92-e65be0885f95"
FAIRPLAY = "94ce86fb-07ff-4f43-adb8-93d2fa968ca2"
CLEARKEY = "1077efec-c0b2-4d02-ace3-3c1e52e2fb4b"
KEYFORMAT = {
    WIDEVINE: "urn:uuid:" + WIDEVINE,
    PLAYREADY: "com.microsoft.playready",
    FAIRPLAY: "com.apple.streamingkeydelivery",
    CLEARKEY: "urn:uuid:" + CLEARKEY,
}
ET.register_namespace("cpix", CPIX)
ET.register_namespace("pskc", PSKC)


def key_for(cid, kid):
    return hmac.new(SECRET, (cid + "|" + kid).encode(),
                    hashlib.sha256).digest()[:16]


def iv_for(cid, kid):
    return hashlib.sha256((cid + "|iv|" + kid).encode()).digest()[:16]


def pssh(system, kids, data):
    """A version 1 'pssh' box (ISO 23001-7 8.1)."""
    body = struct.pack(">I", 0x01000000) + uuid.UUID(system).bytes
    body += struct.pack(">I", len(kids)) + b"".join(k.bytes for k in kids)
    body += struct.pack(">I", len(data)) + data
    return struct.pack(">I", 8 + len(body)) + b"pssh" + body


def b64(b):
    return base64.b64encode(b).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    server_version = "cpix-test/1.0"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype="text/plain", extra=None):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Speke-User-Agent", "cpix-test-server")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.reply(405, "Method Not Allowed", extra={"Allow": "POST"})

    def do_POST(self):
        if self.path != "/speke/v2.0/copyProtection":
            return self.reply(404, "Not Found")
        want = os.environ.get("CPIX_AUTH")
        if want:
            got = self.headers.get("Authorization")
            if got is None:
                return self.reply(401, "Missing Authentication Token")
            if not hmac.compare_digest(got, want):
                return self.reply(403, "The security token included in the "
                                  "request is invalid")
        n = int(self.headers.get("Content-Length") or 0)
        if n <= 0 or n > 1 << 20:
            return self.reply(400, "Bad Request: no body")
        body = self.rfile.read(n)
        if logdir:
            with open(os.path.join(logdir, "request.xml"), "wb") as f:
                f.write(body)
            with open(os.path.join(logdir, "headers.txt"), "w") as f:
                f.write(str(self.headers))
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if ctype.strip() != "application/xml":
            return self.reply(415, "Unsupported Media Type")
        if self.headers.get("X-Speke-Version") != "2.0":
            return self.reply(422, "Unsupported SPEKE version")
        try:
            root = ET.fromstring(body)
        except ET.ParseError as e:
            return self.reply(422, "Malformed CPIX document: %s" % e)
        if root.tag != "{%s}CPIX" % CPIX:
            return self.reply(422, "Malformed CPIX document: no CPIX root")
        cid = root.get("contentId")
        if not cid:
            return self.reply(422, "Missing CPIX@contentId")
        if root.get("version") is None:
            return self.reply(422, "Missing CPIX@version")
        if root.get("version") != "2.3":
            return self.reply(422, "Unsupported CPIX@version")
        ckl = root.find("{%s}ContentKeyList" % CPIX)
        if ckl is None or len(ckl) == 0:
            return self.reply(422, "Missing ContentKeyList")
        schemes = set()
        for ck in ckl:
            if ck.get("commonEncryptionScheme") is None:
                return self.reply(422, "Missing ContentKey@commonEncryption"
                                  "Scheme for KID %s" % ck.get("kid"))
            schemes.add(ck.get("commonEncryptionScheme"))
        if len(schemes) > 1 or not schemes <= {"cenc", "cbcs", "cbc1",
                                              "cens"}:
            return self.reply(422, "Non compliant ContentKey@commonEncryption"
                              "Scheme combination")
        if cid == "fail-500":
            return self.reply(500, "Internal Server Error: key store is down")
        if cid == "slow":
            time.sleep(5)
        if cid == "garbage":
            return self.reply(200, "<html><body>oops</body>",
                              "application/xml", {"X-Speke-Version": "2.0"})
        if cid == "huge":
            return self.reply(200, "<a>" + "x" * (2 << 20) + "</a>",
                              "application/xml", {"X-Speke-Version": "2.0"})
        kids = []
        for ck in list(ckl):
            kid = str(uuid.UUID(ck.get("kid")))
            kids.append(kid)
            if cid == "drop-key" and len(kids) == 1:
                ckl.remove(ck)
                continue
            ck.set("explicitIV", b64(iv_for(cid, kid)))
            data = ET.SubElement(ck, "{%s}Data" % CPIX)
            sec = ET.SubElement(data, "{%s}Secret" % PSKC)
            if cid == "encrypted":
                ev = ET.SubElement(sec, "{%s}EncryptedValue" % PSKC)
                ET.SubElement(ev, "{%s}CipherData" % PSKC)
            else:
                pv = ET.SubElement(sec, "{%s}PlainValue" % PSKC)
                pv.text = b64(key_for(cid, kid))
        if cid == "extra-key":
            ck = ET.SubElement(ckl, "{%s}ContentKey" % CPIX)
            ck.set("kid", str(uuid.uuid4()))
            ck.set("commonEncryptionScheme", schemes.pop())
            data = ET.SubElement(ck, "{%s}Data" % CPIX)
            sec = ET.SubElement(data, "{%s}Secret" % PSKC)
            ET.SubElement(sec, "{%s}PlainValue" % PSKC).text = b64(b"k" * 16)
        dsl = root.find("{%s}DRMSystemList" % CPIX)
        for ds in (dsl if dsl is not None else []):
            kid = uuid.UUID(ds.get("kid"))
            system = ds.get("systemId", "").lower()
            box = pssh(system, [kid], b"cpix-test:" + cid.encode())
            if cid == "bad-pssh":
                box = box[:-3]
            for el in ds:
                tag = el.tag.split("}")[1]
                if tag == "PSSH":
                    el.text = b64(box)
                elif tag == "ContentProtectionData":
                    el.text = b64(('<cenc:pssh xmlns:cenc="urn:mpeg:cenc:'
                                   '2013">%s</cenc:pssh>' % b64(box))
                                  .encode())
                elif tag == "HLSSignalingData":
                    uri = ("skd://%s" % kid.hex if system == FAIRPLAY else
                           "data:text/plain;base64," + b64(box))
                    tagname = ("EXT-X-SESSION-KEY"
                               if el.get("playlist") == "master"
                               else "EXT-X-KEY")
                    line = ('#%s:METHOD=SAMPLE-AES,URI="%s",KEYFORMAT="%s",'
                            'KEYFORMATVERSIONS="1"' %
                            (tagname, uri, KEYFORMAT.get(system, "identity")))
                    el.text = b64(line.encode())
        if cid == "wrong-cid":
            root.set("contentId", "someone-else")
        out = ET.tostring(root, encoding="utf-8", xml_declaration=True)
        self.reply(200, out, "application/xml", {"X-Speke-Version": "2.0"})


if __name__ == "__main__":
    portfile = sys.argv[1]
    logdir = sys.argv[2] if len(sys.argv) > 2 else None
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(portfile + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(portfile + ".tmp", portfile)
    srv.serve_forever()
