#!/bin/sh
# start-rgw.sh DIR -- a throw-away one-node Ceph on 127.0.0.1 for the S3
# tests: ceph-mon, a memstore ceph-osd and radosgw (beast), no cephx, no mgr.
# Prints RGW_PORT=<port>; writes DIR/{mon,osd,rgw}.pid for stop-rgw.sh and
# DIR/log/client.rgw.test.log (one "beast:" line per request).  Its DNS
# name is localhost: BUCKET.localhost:PORT is virtual-host style, which
# curl (and so libcurl in sv-publish) resolves to 127.0.0.1 itself.  The user
# tester has access key accessKey1 and secret verySecretKey1.
set -eu
D=$1
mkdir -p "$D/run" "$D/log" "$D/mon/ceph-a" "$D/osd/ceph-0" "$D/rgw"
cd "$D"
fp() {
    python3 -c "import socket;s=socket.socket();s.bind(('127.0.0.1',0));print(s.getsockname()[1])"
}
FSID=$(uuidgen)
M2=$(fp)
M1=$(fp)
P=$(fp)
cat > ceph.conf <<CONF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$M2,v1:127.0.0.1:$M1]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
mon data avail warn = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = ${SV_RGW_BYTES:-2147483648}
run dir = $D/run
admin socket = $D/run/\$name.asok
log file = $D/log/\$name.log
mon data = $D/mon/\$cluster-\$id
osd data = $D/osd/\$cluster-\$id
[client.rgw.test]
ms mon client mode = crc secure
rgw frontends = beast endpoint=127.0.0.1:$P
rgw data = $D/rgw
rgw dns name = localhost
rgw gc obj min wait = 5
rgw gc processor period = 5
debug rgw = 1
CONF
export CEPH_CONF="$D/ceph.conf"
monmaptool --create --fsid "$FSID" --addv a "[v2:127.0.0.1:$M2,v1:127.0.0.1:$M1]" monmap >/dev/null
ceph-mon --mkfs -i a --monmap monmap
setsid ceph-mon -i a -f >log/mon.out 2>&1 </dev/null &
echo $! > mon.pid
U=$(uuidgen)
ID=$(timeout 30 ceph osd new "$U")
ceph-osd -i "$ID" --mkfs --osd-uuid "$U" >log/osd-mkfs.out 2>&1
setsid ceph-osd -i "$ID" -f >log/osd.out 2>&1 </dev/null &
echo $! > osd.pid
setsid radosgw -n client.rgw.test -f >log/rgw.out 2>&1 </dev/null &
echo $! > rgw.pid
i=0
until curl -s -o /dev/null "http://127.0.0.1:$P/"; do
    i=$((i + 1))
    if [ "$i" -ge 480 ]; then
        echo "start-rgw.sh: radosgw did not start" >&2
        exit 1
    fi
    sleep 0.25
done
radosgw-admin user create --uid=tester --display-name=Tester \
    --access-key=accessKey1 --secret-key=verySecretKey1 >/dev/null
echo "RGW_PORT=$P"
