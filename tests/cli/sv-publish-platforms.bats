#!/usr/bin/env bats
# sv-publish-platforms.bats -- --platform, auth and status against local
# fakes of each platform's API (tests/platforms/*.py)

load ../helpers
bats_require_minimum_version 1.5.0

FAKES=$SV_TOP/tests/platforms
# set by fake() for the platforms it starts
API_youtube='' API_tiktok='' API_kick='' API_facebook='' API_instagram=''
LOG_youtube='' LOG_vimeo='' LOG_tiktok='' LOG_dailymotion='' LOG_twitch=''
LOG_kick='' LOG_rumble='' LOG_facebook='' LOG_instagram='' LOG_odysee=''

# fake NAME [FLAGS...]: starts the fake of NAME (valid refresh token r0);
# sets API_NAME=http://127.0.0.1:PORT and LOG_NAME
fake() {
    local name=$1 port
    shift
    rm -f "$BATS_TEST_TMPDIR/$name.port"
    python3 "$FAKES/$name.py" "$BATS_TEST_TMPDIR/$name.port" \
        "$BATS_TEST_TMPDIR/$name.log" --refresh=r0 "$@" 3>&- &
    PIDS="${PIDS:-} $!"
    wait_for test -s "$BATS_TEST_TMPDIR/$name.port"
    port=$(cat "$BATS_TEST_TMPDIR/$name.port")
    printf -v "API_$name" 'http://127.0.0.1:%s' "$port"
    printf -v "LOG_$name" '%s' "$BATS_TEST_TMPDIR/$name.log"
    touch "$BATS_TEST_TMPDIR/$name.log"
}

teardown() {
    local p
    for p in ${PIDS:-}; do kill "$p" 2>/dev/null || true; done
}

# creds NAME...: a 0600 credentials file with client cid/csecret, refresh
# token r0 and access token a0 (dead unless the fake was given --access=a0)
creds() {
    local n sep='' body='{'
    for n in "$@"; do
        body+="$sep\"$n\":{\"client_id\":\"cid\",\"client_secret\":\"csecret\",\"refresh_token\":\"r0\",\"access_token\":\"a0\"}"
        sep=,
    done
    CREDS=$BATS_TEST_TMPDIR/creds.json
    (umask 077 && echo "$body}" > "$CREDS")
}

# video SIZE: a file of SIZE random bytes at $VIDEO
video() {
    VIDEO=$BATS_TEST_TMPDIR/clip.mp4
    head -c "$1" /dev/urandom > "$VIDEO"
    SHA=$(sha256sum "$VIDEO" | cut -d' ' -f1)
}

# pub ARGS...: sv-publish with the fakes' --api and fast polls
pub() {
    local a=() n v
    for n in youtube vimeo tiktok dailymotion twitch kick rumble facebook instagram odysee; do
        v=API_$n
        [ -z "${!v:-}" ] || a+=(--api "$n=${!v}")
    done
    sv-publish "${a[@]}" --credentials "$CREDS" --processing-poll 20ms \
        --retries 3 "$@"
}

# event NAME PLATFORM: that event's data from $output
event() {
    jq -c --arg e "$1" --arg p "$2" \
        'select(.event == $e and .data.platform == $p) | .data' <<< "$output"
}

# ---- usage ----

@test "usage: unknown platforms, bad --set and --api, rules known before any request" {
    creds youtube
    video 1000
    run -2 --separate-stderr sv-publish --platform youtube,myspace "$VIDEO"
    # shellcheck disable=SC2154 # run --separate-stderr sets $stderr
    assert_eq "$stderr" "sv-publish: unknown platform 'myspace' (known: youtube vimeo tiktok dailymotion twitch kick rumble facebook instagram odysee)
Try 'sv-publish --help' for more information."
    run -2 --separate-stderr sv-publish --platform youtube,youtube "$VIDEO"
    assert_match "$stderr" "platform 'youtube' is named twice"
    run -2 --separate-stderr sv-publish --platform youtube --set title=x "$VIDEO"
    assert_match "$stderr" "bad --set 'title=x': expected platform.field=value"
    run -2 --separate-stderr sv-publish --platform youtube --api youtube=ftp://x "$VIDEO"
    assert_match "$stderr" "bad --api"
    run -2 --separate-stderr sv-publish --platform youtube --chunk-size 300K "$VIDEO"
    assert_match "$stderr" "youtube: --chunk-size must be a multiple of 256K"
    run -2 --separate-stderr sv-publish --platform youtube --title 'a <b>' "$VIDEO"
    assert_match "$stderr" "youtube: a title has at most 100 characters and no '<' or '>'"
    run -2 --separate-stderr sv-publish --platform youtube --privacy public --publish-at 2027-01-01T00:00:00Z "$VIDEO"
    assert_match "$stderr" "needs --privacy private"
    run -2 --separate-stderr sv-publish --platform tiktok --privacy unlisted "$VIDEO"
    assert_match "$stderr" "tiktok: no privacy 'unlisted'"
    run -2 --separate-stderr sv-publish --platform tiktok --chunk-size 1M "$VIDEO"
    assert_match "$stderr" "tiktok: chunks are 5M to 64M"
    run -2 --separate-stderr sv-publish --platform dailymotion --for-kids no "$VIDEO"
    assert_match "$stderr" "dailymotion: publishing needs a channel"
    run -2 --separate-stderr sv-publish --platform dailymotion --set dailymotion.category=news "$VIDEO"
    assert_match "$stderr" "dailymotion: publishing needs --for-kids yes\|no"
    run -2 --separate-stderr sv-publish --platform youtube "$VIDEO" "$VIDEO"
    assert_match "$stderr" "--platform uploads one file, not 2 operands"
    run -2 --separate-stderr sv-publish --platform youtube,twitch "$VIDEO"
    assert_match "$stderr" "twitch has no upload API: use --simulcast twitch for live"
    run -2 --separate-stderr sv-publish auth
    run -2 --separate-stderr sv-publish auth nosuch
    assert_match "$stderr" "unknown platform 'nosuch'"
    run -2 --separate-stderr sv-publish auth --device vimeo
    assert_match "$stderr" "vimeo has no device flow"
    run -2 --separate-stderr sv-publish status youtube
    assert_match "$stderr" "bad item 'youtube': expected platform:id"
}

@test "credentials: a file others can read is refused; an empty file is no upload" {
    creds youtube
    video 1000
    chmod 644 "$CREDS"
    run -1 --separate-stderr sv-publish --platform youtube --credentials "$CREDS" "$VIDEO"
    assert_match "$stderr" "credentials '.*' are readable by others \(mode 644\): chmod 600 it"
    : > "$BATS_TEST_TMPDIR/empty.mp4"
    run -1 --separate-stderr sv-publish --platform youtube --credentials "$CREDS" "$BATS_TEST_TMPDIR/empty.mp4"
    assert_match "$stderr" "the file is empty"
}

# ---- YouTube ----

@test "youtube: a dead access token is refreshed once, saved 0600, and the upload is whole" {
    fake youtube --processing=1
    creds youtube
    video 700000
    run --separate-stderr pub --platform youtube --chunk-size 256K \
        --title "My clip" --privacy unlisted --for-kids no "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete youtube)
    assert_eq "$(jq -r '[.state, .bytes, .resumes, .refreshes] | @tsv' <<< "$d")" \
        "processed	700000	0	1"
    assert_match "$(jq -r .url <<< "$d")" '^https://www.youtube.com/watch\?v=v[0-9a-f]+$'
    # exactly one refresh, then the call that got 401 again
    assert_eq "$(jq -r 'select(.p == "/token") | .grant' "$LOG_youtube")" refresh_token
    assert_eq "$(jq -c 'select(.m == "POST" and (.p | startswith("/upload/"))) | [.st, .title, .privacy, .kids]' "$LOG_youtube" | paste -sd' ')" \
        '[401,null,null,null] [200,"My clip","unlisted",false]'
    # what the server stored is the file
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_youtube")" "$SHA"
    # the new access token is on disk, the file still 0600
    assert_eq "$(stat -c %a "$CREDS")" 600
    assert_match "$(jq -r .youtube.access_token "$CREDS")" '^at-'
    assert_eq "$(jq -r .youtube.refresh_token "$CREDS")" r0
}

@test "youtube: a cut mid-upload resumes where Range says, never re-sending what the server confirmed" {
    fake youtube --access=a0 --cut=100000 --short-range
    creds youtube
    video 1300000
    run --separate-stderr pub --platform youtube --chunk-size 256K \
        --processing-wait 0 "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete youtube)
    assert_eq "$(jq -r '[.bytes, .resumes] | @tsv' <<< "$d")" "1300000	1"
    # the cut request, then the query: "bytes */1300000" -> 308 Range 0-99999
    assert_eq "$(jq -c 'select(.m == "PUT") | [.st, .start, .stored, .query]' "$LOG_youtube" | head -3 | paste -sd' ')" \
        '["cut",0,null,null] [308,null,100000,1] [308,100000,100000,null]'
    # every chunk starts at what the last 308 said; the short Range (256 KiB
    # less than sent) is the one place bytes go twice
    assert_eq "$(jq -r 'select(.sha256) | .resent' "$LOG_youtube")" 0
    assert_eq "$(jq -s 'map(select(.m == "PUT") | .n) | add' "$LOG_youtube")" \
        $((1300000 + 262144))
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_youtube")" "$SHA"
}

@test "youtube: 503s are retried, a lost session starts again, and the file arrives whole" {
    fake youtube --access=a0 --503=2 --gone
    creds youtube
    video 600000
    run --separate-stderr pub --platform youtube --chunk-size 256K \
        --processing-wait 0 "$VIDEO"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -s 'map(select(.st == 503)) | length' "$LOG_youtube")" 2
    # the query after the first 503 finds the session gone: a second insert
    assert_eq "$(jq -s 'map(select(.m == "POST" and .st == 200)) | length' "$LOG_youtube")" 2
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_youtube")" "$SHA"
}

@test "youtube: quotaExceeded is EQUOTA and marks the day spent, so the next run is refused before any request; uploadLimitExceeded is ELIMIT" {
    local q=$BATS_TEST_TMPDIR/youtube-quota.json day n
    fake youtube --access=a0 --uploads=1
    creds youtube
    video 1000
    run --separate-stderr pub --platform youtube "$VIDEO"
    [ "$status" -eq 0 ]
    # Google's day is the Pacific one
    day=$(TZ=America/Los_Angeles date +%F)
    assert_eq "$(jq -c .cid "$q")" "{\"day\":\"$day\",\"units\":1,\"uploads\":1}"
    assert_eq "$(stat -c %a "$q")" 600
    # the fake's bucket of one upload is spent; sv-publish thought 100
    run -1 --separate-stderr pub --platform youtube "$VIDEO"
    assert_eq "$(event error youtube | jq -r '[.code, .reason] | @tsv')" "EQUOTA	quotaExceeded"
    assert_match "$stderr" 'youtube: starting the upload: 403 quotaExceeded: The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.'
    assert_eq "$(jq -c .cid "$q")" "{\"day\":\"$day\",\"units\":1,\"uploads\":101}"
    n=$(wc -l < "$LOG_youtube")
    run -1 --separate-stderr pub --platform youtube "$VIDEO"
    assert_eq "$(event error youtube | jq -r '[.code, .reason] | @tsv')" "EQUOTA	quotaWouldExceed"
    assert_match "$stderr" "youtube: the quota would not last: project 'cid' has 9999 of 10000 units left today \(this needs 1\), and 0 of 100 videos.insert calls \(this needs 1\); it resets at midnight Pacific time, in [0-9]+h[0-9]{2}m"
    assert_eq "$(wc -l < "$LOG_youtube")" "$n"
    kill "${PIDS##* }"
    PIDS=
    rm "$q"
    fake youtube --access=a0 --upload-limit
    run -1 --separate-stderr pub --platform youtube "$VIDEO"
    assert_eq "$(event error youtube | jq -r '[.code, .reason] | @tsv')" "ELIMIT	uploadLimitExceeded"
}

@test "youtube: quota costs are configurable (the older 1600-unit videos.insert); another day is nothing spent; other projects are kept" {
    local q=$BATS_TEST_TMPDIR/youtube-quota.json day
    fake youtube --access=a0 --cost-insert=1600 --units=3000
    creds youtube
    video 1000
    day=$(TZ=America/Los_Angeles date +%F)
    (umask 077 && printf '{"cid":{"day":"2000-01-01","units":2999,"uploads":100},"p2":{"day":"%s","units":5,"uploads":0}}' "$day" > "$q")
    set -- --set youtube.quota=3000 --set youtube.quota_uploads=0 \
        --set youtube.cost.videos.insert=1600
    run --separate-stderr pub --platform youtube "$@" "$VIDEO"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c '[.cid, .p2]' "$q")" "[{\"day\":\"$day\",\"units\":1601,\"uploads\":0},{\"day\":\"$day\",\"units\":5,\"uploads\":0}]"
    run -1 --separate-stderr pub --platform youtube "$@" "$VIDEO"
    assert_match "$stderr" "project 'cid' has 1399 of 3000 units left today \(this needs 1601\); it resets"
    # another project (another fake) has its own
    kill "${PIDS##* }"
    PIDS=
    fake youtube --access=a0 --cost-insert=1600 --units=3000
    run --separate-stderr pub --platform youtube "$@" --set youtube.project=p3 --processing-wait 0 "$VIDEO"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c .p3.units "$q")" 1600
    run -2 --separate-stderr sv-publish --platform youtube --set youtube.cost.videos.delete=50 "$VIDEO"
    assert_match "$stderr" "youtube: no cost for 'videos.delete'"
    run -2 --separate-stderr sv-publish --platform youtube --set youtube.quota=lots "$VIDEO"
    assert_match "$stderr" "youtube: quota is a count of units a day, not 'lots'"
}

@test "youtube: processing that fails is a failure with the platform's reason" {
    fake youtube --access=a0 --fail-processing
    creds youtube
    video 1000
    run -1 --separate-stderr pub --platform youtube "$VIDEO"
    assert_eq "$(event error youtube | jq -r '[.code, .reason] | @tsv')" "EFORMAT	codec"
    assert_match "$stderr" "youtube: processing failed: codec"
}

@test "youtube: the thumbnail is set on the new video" {
    fake youtube --access=a0
    creds youtube
    video 1000
    head -c 5000 /dev/urandom > "$BATS_TEST_TMPDIR/t.jpg"
    run --separate-stderr pub --platform youtube --thumbnail "$BATS_TEST_TMPDIR/t.jpg" \
        --processing-wait 0 "$VIDEO"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -r 'select(.thumb) | .thumb' "$LOG_youtube")" 5000
}

@test "status: a YouTube video's state, views and comments as one JSON" {
    fake youtube --access=a0
    creds youtube
    video 1000
    run --separate-stderr pub --platform youtube --processing-wait 0 "$VIDEO"
    id=$(event publish.complete youtube | jq -r .id)
    run --separate-stderr pub status "youtube:$id"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c 'select(.event == "publish.status") | .data | [.platform, .state, .views, .comments]' <<< "$output")" \
        '["youtube","processed",7,2]'
    run -1 --separate-stderr pub status youtube:nosuch
    assert_match "$stderr" "youtube: no video 'nosuch'"
}

# ---- Vimeo ----

@test "vimeo: tus upload; a cut PATCH is followed by HEAD and the rest from Upload-Offset" {
    fake vimeo --access=a0 --cut=150000 --processing=1
    creds vimeo
    video 1000000
    run --separate-stderr pub --platform vimeo --chunk-size 400K --privacy public "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete vimeo)
    assert_eq "$(jq -r '[.id, .url, .state, .resumes] | @tsv' <<< "$d")" \
        "100000	https://vimeo.com/100000	available	1"
    assert_eq "$(jq -r 'select(.m == "POST") | .view' "$LOG_vimeo")" anybody
    assert_eq "$(jq -c 'select(.m != "GET" and .m != "POST") | [.m, .st, .start // .stored]' "$LOG_vimeo" | paste -sd' ')" \
        '["PATCH","cut",0] ["HEAD",200,150000] ["PATCH",204,150000] ["PATCH",204,559600] ["PATCH",204,969200]'
    # tus keeps what arrived before the cut: no byte is sent twice
    assert_eq "$(jq -s 'map(select(.m == "PATCH") | .n) | add' "$LOG_vimeo")" 1000000
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_vimeo")" "$SHA"
}

@test "vimeo: a token Vimeo refuses is not refreshed (there is no refresh): run auth" {
    fake vimeo
    creds vimeo
    video 1000
    run -1 --separate-stderr pub --platform vimeo "$VIDEO"
    assert_eq "$(event error vimeo | jq -r .code)" EAUTH
    assert_match "$stderr" "vimeo: creating the video: 401 "
    assert_eq "$(jq -s 'map(select(.p == "/oauth/access_token")) | length' "$LOG_vimeo")" 0
}

# ---- TikTok ----

@test "tiktok: chunks by the floor rule, a cut chunk sent again alone, the rotated refresh token kept" {
    fake tiktok --rotate --cut=1000000 --processing=1
    creds tiktok
    video 12000000
    cp "$CREDS" "$BATS_TEST_TMPDIR/old.json"
    run --separate-stderr pub --platform tiktok --chunk-size 5M --title "hello tiktok" "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete tiktok)
    assert_eq "$(jq -r '[.state, .chunk_size, .chunks, .resumes, .url] | @tsv' <<< "$d")" \
        "PUBLISH_COMPLETE	5242880	2	1	https://www.tiktok.com/@svtest/video/7300000000000000001"
    # 12000000 / 5242880 = 2 chunks, the last takes the remainder
    assert_eq "$(jq -c 'select(.m == "PUT") | [.chunk, .st, .n]' "$LOG_tiktok" | paste -sd' ')" \
        '[1,"cut",1000000] [1,206,5242880] [2,201,6757120]'
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_tiktok")" "$SHA"
    # the refresh replaced r0, which is dead now
    new=$(jq -r .tiktok.refresh_token "$CREDS")
    assert_match "$new" '^rt-'
    cp "$BATS_TEST_TMPDIR/old.json" "$CREDS"
    run -1 --separate-stderr pub --platform tiktok "$VIDEO"
    assert_match "$stderr" "refreshing the token: 400 invalid_grant: refresh token is invalid \(the refresh token is dead: run 'sv-publish auth tiktok'\)"
}

@test "tiktok: a privacy level the creator does not offer is refused before init" {
    fake tiktok --access=a0 --no-public
    creds tiktok
    video 1000
    run -1 --separate-stderr pub --platform tiktok --privacy public "$VIDEO"
    assert_eq "$(event error tiktok | jq -r .reason)" privacy_level_option_mismatch
    assert_eq "$(jq -s 'map(select(.p == "/v2/post/publish/video/init/")) | length' "$LOG_tiktok")" 0
}

@test "tiktok: PULL_FROM_URL sends no bytes, TikTok fetches the URL; an unverified URL prefix is refused as TikTok refuses it" {
    local p
    video 300000
    p=$(free_port)
    python3 -m http.server --bind 127.0.0.1 --directory "$BATS_TEST_TMPDIR" "$p" > /dev/null 2>&1 3>&- &
    PIDS="${PIDS:-} $!"
    wait_for curl -sfo /dev/null "http://127.0.0.1:$p/clip.mp4"
    fake tiktok --access=a0 --verified="http://127.0.0.1:$p/"
    creds tiktok
    run --separate-stderr pub --platform tiktok --set "tiktok.video_url=http://127.0.0.1:$p/clip.mp4" "$VIDEO"
    [ "$status" -eq 0 ]
    assert_eq "$(event publish.complete tiktok | jq -r '[.state, .source, .downloaded, .sent] | @tsv')" \
        "PUBLISH_COMPLETE	PULL_FROM_URL	300000	0"
    assert_eq "$(jq -s 'map(select(.m == "PUT")) | length' "$LOG_tiktok")" 0
    # what TikTok downloaded is the file
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_tiktok")" "$SHA"
    run -1 --separate-stderr pub --platform tiktok --set "tiktok.video_url=http://127.0.0.1:$((p + 1))/clip.mp4" "$VIDEO"
    assert_eq "$(event error tiktok | jq -r '[.code, .reason] | @tsv')" "EAUTH	url_ownership_unverified"
    assert_match "$stderr" "403 url_ownership_unverified: Please review our URL ownership verification rules. \(TikTok pulls only from a domain or URL prefix verified for this app"
    run -2 --separate-stderr pub --platform tiktok --set tiktok.video_url=/tmp/x.mp4 "$VIDEO"
    assert_match "$stderr" "tiktok: video_url is a URL TikTok can fetch"
}

# ---- Dailymotion ----

@test "dailymotion: upload URL, one multipart POST, then the video published with channel and kids flag" {
    fake dailymotion --access=a0 --processing=1
    creds dailymotion
    video 300000
    run --separate-stderr pub --platform dailymotion --set dailymotion.category=news \
        --for-kids no --privacy public --title "DM clip" "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete dailymotion)
    assert_eq "$(jq -r '.state' <<< "$d")" published
    assert_match "$(jq -r .url <<< "$d")" '^https://www.dailymotion.com/video/x'
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_dailymotion")" "$SHA"
    assert_eq "$(jq -c 'select(.channel) | [.channel, .kids, .private, .title]' "$LOG_dailymotion")" \
        '["news","false","false","DM clip"]'
}

# ---- several at once ----

@test "four platforms at once: one failing never stops the others, exit 3, one result each" {
    fake youtube --access=a0
    fake vimeo
    fake tiktok --access=a0
    fake dailymotion --access=a0
    creds youtube vimeo tiktok dailymotion
    video 400000
    run -3 --separate-stderr pub --platform youtube,vimeo,tiktok,dailymotion \
        --set dailymotion.category=news --for-kids no --processing-wait 0 "$VIDEO"
    assert_eq "$(jq -r 'select(.event == "publish.complete" or .event == "error") | .data.platform' <<< "$output" | sort | paste -sd' ')" \
        "dailymotion tiktok vimeo youtube"
    assert_eq "$(jq -r 'select(.event == "error") | .data.platform' <<< "$output")" vimeo
    assert_match "$stderr" "1 of 4 platforms failed"
    for f in "$LOG_youtube" "$LOG_tiktok" "$LOG_dailymotion"; do
        assert_eq "$(jq -r 'select(.sha256) | .sha256' "$f")" "$SHA"
    done
}

# ---- auth ----

# auth_run NAME [ARGS]: sv-publish auth in the background, its stderr in
# $BATS_TEST_TMPDIR/auth.err
auth_bg() {
    sv-publish --credentials "$CREDS" --api "$1=$2" --timeout 20s auth "${@:3}" "$1" \
        2> "$BATS_TEST_TMPDIR/auth.err" &
    AUTH_PID=$!
}

@test "auth: the loopback redirect with PKCE stores the tokens (TikTok's client_key)" {
    fake tiktok --pkce
    CREDS=$BATS_TEST_TMPDIR/new/creds.json
    mkdir -p "$BATS_TEST_TMPDIR/new"
    export SV_TIKTOK_CLIENT_ID=cid SV_TIKTOK_CLIENT_SECRET=csecret
    auth_bg tiktok "$API_tiktok"
    wait_for grep -q '^http://127.0.0.1:.*/v2/auth/authorize/?' "$BATS_TEST_TMPDIR/auth.err"
    url=$(grep '^http://' "$BATS_TEST_TMPDIR/auth.err")
    assert_match "$url" 'client_key=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A[0-9]+%2F&response_type=code&scope=user.info.basic%2Cvideo.publish%2Cvideo.upload&state=[A-Za-z0-9_-]+&code_challenge=[A-Za-z0-9_-]{43}&code_challenge_method=S256$'
    # the "browser": consent is given at once, the redirect is followed
    run curl -sfL "$url"
    [ "$status" -eq 0 ]
    assert_match "$output" "sv-publish: done"
    wait "$AUTH_PID"
    assert_eq "$(jq -r 'select(.p == "/v2/oauth/token/") | [.st, .grant] | @tsv' "$LOG_tiktok")" "200	authorization_code"
    assert_eq "$(stat -c %a "$CREDS")" 600
    assert_match "$(jq -r '.tiktok | .access_token + " " + .refresh_token' "$CREDS")" '^at-[0-9a-f]+ rt-[0-9a-f]+$'
    # secrets from the environment are not written to the file
    assert_eq "$(jq -r '.tiktok.client_secret' "$CREDS")" null
}

@test "auth: a redirect with another state is refused" {
    fake youtube
    creds youtube
    auth_bg youtube "$API_youtube"
    wait_for grep -q '^http://' "$BATS_TEST_TMPDIR/auth.err"
    port=$(grep -o 'redirect_uri=http%3A%2F%2F127.0.0.1%3A[0-9]*' "$BATS_TEST_TMPDIR/auth.err" | grep -o '[0-9]*$')
    curl -s "http://127.0.0.1:$port/?code=stolen&state=forged" > /dev/null
    # wait, not run wait: the subshell of run has no such child
    st=0
    wait "$AUTH_PID" || st=$?
    assert_eq "$st" 1
    assert_match "$(cat "$BATS_TEST_TMPDIR/auth.err")" "the redirect's state does not match"
}

@test "auth --device: the device flow polls until the grant" {
    fake youtube
    creds youtube
    run --separate-stderr sv-publish --credentials "$CREDS" --api "youtube=$API_youtube" auth --device youtube
    [ "$status" -eq 0 ]
    assert_match "$stderr" "open https://example.test/device and enter the code ABCD-EFGH"
    assert_eq "$(jq -r 'select(.p == "/token") | .st' "$LOG_youtube" | paste -sd' ')" "428 200"
    assert_match "$(jq -r .youtube.access_token "$CREDS")" '^at-'
}

# ---- Twitch (live only) ----

@test "twitch: validate (refreshing a dead token), the key from Helix with Client-Id, the default ingest" {
    fake twitch --key=live_1_abc --ingest=rtmp://127.0.0.1:9/app --429=1
    creds twitch
    # a stream that cannot connect: what matters is where it was sent
    run -1 --separate-stderr pub --simulcast twitch --simulcast-timeout 1s \
        --title "Live now" < /dev/null
    assert_eq "$(jq -c '[.p, .st] | @text' "$LOG_twitch" | jq -r . | paste -sd' ')" \
        '["/oauth2/validate",401] ["/oauth2/token",200] ["/oauth2/validate",200] ["/helix/streams/key?broadcaster_id=44322889",429] ["/helix/streams/key?broadcaster_id=44322889",200] ["/helix/channels?broadcaster_id=44322889",204] ["/ingests",200]'
    assert_eq "$(jq -r 'select(.title) | .title' "$LOG_twitch")" "Live now"
    assert_match "$stderr" "twitch: pushing to its live ingest"
    assert_eq "$(jq -r 'select(.event == "live.simulcast.stats") | .data.url' <<< "$output" | head -1)" \
        "rtmp://127.0.0.1:9/app/…"
    # the key never shows in what sv-publish says
    run ! grep -q 'live_1_abc' <<< "$stderr"
}

@test "--simulcast: a comma list mixes platform names and URLs; a comma inside an SRT streamid stays in it" {
    fake twitch --access=a0 --key=live_1_abc --ingest=rtmp://127.0.0.1:9/app
    fake kick --access=a0 --url=rtmp://127.0.0.1:9/app --key=sk_kick_1
    creds twitch kick
    run -1 --separate-stderr pub --simulcast-timeout 1s \
        --simulcast 'twitch,srt://127.0.0.1:9?streamid=#!::r=live,m=publish,kick' \
        --simulcast rtmp://127.0.0.1:9/live/k2 < /dev/null
    assert_match "$stderr" "twitch: pushing to its live ingest"
    assert_match "$stderr" "kick: pushing to its live ingest"
    # in the order given, each destination once
    assert_eq "$(jq -r 'select(.data.dest != null) | "\(.data.dest) \(.data.url)"' <<< "$output" | sort -u | paste -sd,)" \
        "0 rtmp://127.0.0.1:9/app/…,1 srt://127.0.0.1:9?…,2 rtmp://127.0.0.1:9/app/…,3 rtmp://127.0.0.1:9/live/…"
    run -2 --separate-stderr sv-publish --simulcast 'twitch,,kick' < /dev/null
    assert_match "$stderr" "bad --simulcast 'twitch,,kick': an empty item"
    run -2 --separate-stderr sv-publish --simulcast 'twitch,myspace' < /dev/null
    assert_match "$stderr" "bad --simulcast: 'twitch,myspace' is not an rtmp://"
}

@test "twitch: a token without channel:read:stream_key is a clear failure, no push" {
    fake twitch --access=a0 --no-scope
    creds twitch
    run -1 --separate-stderr pub --simulcast twitch < /dev/null
    assert_match "$stderr" "twitch: reading the stream key: 401 Unauthorized: Missing scope: channel:read:stream_key"
    assert_eq "$(jq -s 'map(select(.p == "/ingests")) | length' "$LOG_twitch")" 0
}

# ---- Kick (live only) ----

@test "kick: a dead token refreshed (the rotated refresh token kept), the channel's stream url and key, the title set" {
    fake kick --pkce --rotate --url=rtmp://127.0.0.1:9/app --key=sk_kick_1
    creds kick
    cp "$CREDS" "$BATS_TEST_TMPDIR/old.json"
    run -1 --separate-stderr pub --simulcast kick --simulcast-timeout 1s \
        --title "Kick live" < /dev/null
    assert_eq "$(jq -r '[.m, .p, .st] | @tsv' "$LOG_kick" | paste -sd' ')" \
        "GET	/public/v1/channels	401 POST	/oauth/token	200 GET	/public/v1/channels	200 PATCH	/public/v1/channels	204"
    assert_eq "$(jq -r 'select(.title) | .title' "$LOG_kick")" "Kick live"
    assert_eq "$(jq -r 'select(.event == "live.simulcast.stats") | .data.url' <<< "$output" | head -1)" \
        "rtmp://127.0.0.1:9/app/…"
    run ! grep -q 'sk_kick_1' <<< "$stderr"
    assert_match "$(jq -r .kick.refresh_token "$CREDS")" '^rt-'
    # r0 died with the refresh
    cp "$BATS_TEST_TMPDIR/old.json" "$CREDS"
    run -1 --separate-stderr pub --simulcast kick < /dev/null
    assert_match "$stderr" "400 invalid_grant"
}

@test "kick: a token without streamkey:read gets no key: a clear failure, no push" {
    fake kick --access=a0 --no-key-scope
    creds kick
    run -1 --separate-stderr pub --simulcast kick < /dev/null
    assert_match "$stderr" "kick: channels: no stream url and key \(the token lacks streamkey:read"
    run ! grep -q 'live.simulcast' <<< "$output"
}

@test "auth kick: the loopback redirect carries S256 PKCE (mandatory on Kick) and the Kick scopes" {
    fake kick --pkce --rotate
    CREDS=$BATS_TEST_TMPDIR/new/creds.json
    mkdir -p "$BATS_TEST_TMPDIR/new"
    export SV_KICK_CLIENT_ID=cid SV_KICK_CLIENT_SECRET=csecret
    auth_bg kick "$API_kick"
    wait_for grep -q '^http://127.0.0.1:.*/oauth/authorize?' "$BATS_TEST_TMPDIR/auth.err"
    url=$(grep '^http://' "$BATS_TEST_TMPDIR/auth.err")
    assert_match "$url" 'scope=user%3Aread%20channel%3Aread%20channel%3Awrite%20streamkey%3Aread&.*code_challenge=[A-Za-z0-9_-]{43}&code_challenge_method=S256$'
    run curl -sfL "$url"
    [ "$status" -eq 0 ]
    wait "$AUTH_PID"
    assert_eq "$(jq -r 'select(.p == "/oauth/token") | [.st, .grant] | @tsv' "$LOG_kick")" "200	authorization_code"
    assert_match "$(jq -r '.kick.refresh_token' "$CREDS")" '^rt-'
}

# ---- Rumble ----

# rumble_creds [TOKEN]: the static 40-character token Rumble hands out
rumble_creds() {
    CREDS=$BATS_TEST_TMPDIR/creds.json
    (umask 077 && printf '{"rumble":{"access_token":"%s"}}\n' "${1:-$(printf 'a%.0s' {1..40})}" > "$CREDS")
}

@test "rumble: one multipart POST with thumb; a cut sends the whole file again (no resume exists)" {
    fake rumble --cut=100000
    rumble_creds
    video 400000
    head -c 3000 /dev/urandom > "$BATS_TEST_TMPDIR/t.jpg"
    run --separate-stderr pub --platform rumble --description "about it" \
        --set rumble.license_type=6 --thumbnail "$BATS_TEST_TMPDIR/t.jpg" \
        --title "Rumble clip" "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete rumble)
    assert_eq "$(jq -r '[.id, .url, .embed_url, .resumes, .bytes] | @tsv' <<< "$d")" \
        "v4c0001	https://rumble.com/v4c0001-clip.html	https://rumble.com/embed/v4c0001/	1	400000"
    assert_eq "$(jq -c '[.st, .title, .license, .thumb]' "$LOG_rumble" | paste -sd' ')" \
        '["cut",null,null,null] [200,"Rumble clip","6",3000]'
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_rumble")" "$SHA"
    # the sent count is the cut part plus the whole second body
    [ "$(jq -r .sent <<< "$d")" -gt $((400000 + 100000)) ]
}

@test "rumble: 200 with success false is a failure with the field and code; 500 is retried; 403 is a bad token" {
    fake rumble --fail --list-errors --500=1
    rumble_creds
    video 1000
    run -1 --separate-stderr pub --platform rumble --description d "$VIDEO"
    assert_eq "$(event error rumble | jq -r '[.code, .reason] | @tsv')" "EPROTO	SOMETHING_WENT_WRONG"
    assert_match "$stderr" "rumble: uploading: success false: _: SOMETHING_WENT_WRONG: Something went wrong"
    assert_eq "$(jq -r .st "$LOG_rumble" | paste -sd' ')" "500 200"
    rumble_creds "$(printf 'b%.0s' {1..40})"
    run -1 --separate-stderr pub --platform rumble --description d "$VIDEO"
    assert_eq "$(event error rumble | jq -r .code)" EAUTH
    assert_match "$stderr" "rumble: uploading: 403: the token is not valid or the account is banned"
}

@test "rumble: rules known before any request: description, license_type, the token's form; no OAuth" {
    rumble_creds short
    video 1000
    run -2 --separate-stderr sv-publish --platform rumble "$VIDEO"
    assert_match "$stderr" "rumble: an upload needs --description"
    run -2 --separate-stderr sv-publish --platform rumble --description d --set rumble.license_type=3 "$VIDEO"
    assert_match "$stderr" "rumble: license_type is 0 \(not for sale\) or 6 \(Rumble only\), not '3'"
    run -1 --separate-stderr sv-publish --credentials "$CREDS" --platform rumble --description d "$VIDEO"
    assert_match "$stderr" "the Rumble access token is 40 characters"
    run -2 --separate-stderr sv-publish --credentials "$CREDS" auth rumble
    assert_match "$stderr" "rumble has no OAuth flow"
}

# ---- Facebook Pages ----

# fb_creds [TOKEN]: the Page token and page id (Facebook has no refresh)
fb_creds() {
    CREDS=$BATS_TEST_TMPDIR/creds.json
    (umask 077 && printf '{"facebook":{"access_token":"%s","page_id":"1234567890"}}\n' "${1:-pt0}" > "$CREDS")
}

@test "facebook: start, transfer in the server's chunks, finish; a cut chunk and a transient error go again at the same offset" {
    fake facebook --access=pt0 --chunk=1048576 --cut=500000 --transient=1 --processing=1
    fb_creds
    video 2621440
    run --separate-stderr pub --platform facebook --title "FB clip" \
        --description "about it" --privacy public --processing-wait 5s "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete facebook)
    assert_eq "$(jq -r '[.state, .bytes, .resumes] | @tsv' <<< "$d")" "ready	2621440	2"
    assert_match "$(jq -r .url <<< "$d")" '^https://www.facebook.com/1234567890/videos/[0-9]+$'
    # the phases in order; each offset stored once, the cut one sent again
    assert_eq "$(jq -c 'select(.m == "POST") | [.st, .phase, .start, .stored]' "$LOG_facebook" | paste -sd' ')" \
        '[200,"start",null,null] ["cut",null,null,null] [500,"transfer",null,null] [200,"transfer",0,1048576] [200,"transfer",1048576,2097152] [200,"transfer",2097152,2621440] [200,"finish",null,null]'
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_facebook")" "$SHA"
    assert_eq "$(jq -r 'select(.phase == "finish") | [.title, .description, .published] | @tsv' "$LOG_facebook")" \
        "FB clip	about it	true"
    # what was confirmed was never sent twice: the file once, plus the two
    # tries of the first chunk that nobody kept: the one answered 500 whole,
    # the cut one from the 500000 bytes the server read up to all of it
    s=$(jq -r .sent <<< "$d")
    [ "$s" -ge $((2621440 + 1048576 + 500000)) ]
    [ "$s" -le $((2621440 + 2 * 1048576)) ]
}

@test "facebook: a dead Page token (190) is a clear auth failure, not refreshed; processing that fails is a failure" {
    fake facebook --access=pt0 --fail-processing
    fb_creds stale
    video 1000
    run -1 --separate-stderr pub --platform facebook "$VIDEO"
    assert_eq "$(event error facebook | jq -r '[.code, .reason] | @tsv')" "EAUTH	190/463"
    assert_match "$stderr" "facebook: starting the upload: 400 error 190/463: Error validating access token"
    assert_eq "$(jq -s length "$LOG_facebook")" 1
    fb_creds
    run -1 --separate-stderr pub --platform facebook --processing-wait 5s "$VIDEO"
    assert_eq "$(event error facebook | jq -r '[.code, .reason] | @tsv')" "EFORMAT	1363008"
    assert_match "$stderr" "facebook: processing failed: Video format is not supported"
    run -2 --separate-stderr sv-publish --platform facebook --privacy unlisted "$VIDEO"
    assert_match "$stderr" "facebook: privacy is public \(published\) or private \(unpublished\), not 'unlisted'"
}

@test "facebook: status reads the video's state and comment count; live creates a live_video and pushes to its stream URL" {
    fake facebook --access=pt0 --ingest=rtmp://127.0.0.1:9/rtmp
    fb_creds
    video 1000
    run --separate-stderr pub --platform facebook "$VIDEO"
    [ "$status" -eq 0 ]
    id=$(event publish.complete facebook | jq -r .id)
    run --separate-stderr pub status "facebook:$id"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c 'select(.event == "publish.status") | .data | [.platform, .state, .comments, .url]' <<< "$output")" \
        "[\"facebook\",\"ready\",2,\"/1234567890/videos/$id/\"]"
    run -1 --separate-stderr pub --simulcast facebook --simulcast-timeout 1s \
        --title "Live on FB" < /dev/null
    assert_eq "$(jq -r 'select(.live) | [.title, .status] | @tsv' "$LOG_facebook")" "Live on FB	LIVE_NOW"
    assert_eq "$(jq -r 'select(.event == "live.simulcast.stats") | .data.url' <<< "$output" | head -1)" \
        "rtmp://127.0.0.1:9/rtmp/…"
}

# ---- Instagram (Reels) ----

# ig_creds [TOKEN]: the token and the Instagram user (no refresh grant)
ig_creds() {
    CREDS=$BATS_TEST_TMPDIR/creds.json
    (umask 077 && printf '{"instagram":{"access_token":"%s","ig_user_id":"17841400000000001"}}\n' "${1:-it0}" > "$CREDS")
}

@test "instagram: a REELS container, rupload resumed from the offset the server holds after a cut, FINISHED polled, then media_publish" {
    fake instagram --access=it0 --cut=300000 --processing=2
    ig_creds
    video 1000000
    run --separate-stderr pub --platform instagram --description "reel #one #two" \
        --set instagram.share_to_feed=true "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete instagram)
    # sent: the cut body (handed to the socket whole) and then only the
    # 700000 bytes after the 300000 the server held
    assert_eq "$(jq -r '[.state, .bytes, .resumes, .sent] | @tsv' <<< "$d")" "PUBLISHED	1000000	1	1700000"
    assert_match "$(jq -r .id <<< "$d")" '^179[0-9]+$'
    assert_match "$(jq -r .container <<< "$d")" '^180[0-9]+$'
    assert_match "$(jq -r .url <<< "$d")" '^https://www.instagram.com/reel/R[0-9]+/$'
    assert_eq "$(jq -r 'select(.caption) | [.caption, .share] | @tsv' "$LOG_instagram")" "reel #one #two	true"
    # the cut, the offset asked, the rest from there; the file is whole
    assert_eq "$(jq -c 'select(.p | startswith("/ig-api-upload/")) | [.m, .st, .start, .stored]' "$LOG_instagram" | paste -sd' ')" \
        '["POST","cut",0,null] ["GET",200,null,300000] ["POST",200,300000,1000000]'
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_instagram")" "$SHA"
    # published only once the container said FINISHED
    assert_eq "$(jq -r 'select(.code or .publish) | (.code // "publish")' "$LOG_instagram" | paste -sd' ')" \
        "IN_PROGRESS IN_PROGRESS FINISHED publish"
}

@test "instagram: an ERROR or EXPIRED container is never published; 190 is an auth failure; caption rules known before any request" {
    fake instagram --access=it0 --fail-processing
    ig_creds
    video 1000
    run -1 --separate-stderr pub --platform instagram "$VIDEO"
    assert_eq "$(event error instagram | jq -r '[.code, .reason] | @tsv')" "EFORMAT	ERROR"
    assert_match "$stderr" "instagram: the container is ERROR: Error: 2207026"
    assert_eq "$(jq -s 'map(select(.publish)) | length' "$LOG_instagram")" 0
    fake instagram --access=it0 --expire
    run -1 --separate-stderr pub --platform instagram "$VIDEO"
    assert_eq "$(event error instagram | jq -r '[.code, .reason] | @tsv')" "ETIMEDOUT	EXPIRED"
    assert_eq "$(jq -s 'map(select(.publish)) | length' "$LOG_instagram")" 0
    ig_creds dead
    run -1 --separate-stderr pub --platform instagram "$VIDEO"
    assert_eq "$(event error instagram | jq -r '[.code, .reason] | @tsv')" "EAUTH	190/463"
    long=$(printf '#t%.0s' {1..31})
    run -2 --separate-stderr sv-publish --platform instagram --description "$long" "$VIDEO"
    assert_match "$stderr" "instagram: the caption has 31 hashtags, more than 30"
    run -2 --separate-stderr sv-publish --platform instagram --publish-at 2030-01-01T00:00:00Z "$VIDEO"
    assert_match "$stderr" "instagram: the API has no scheduled publishing"
}

@test "instagram: status reads the media's permalink, likes and comments" {
    fake instagram --access=it0
    ig_creds
    video 1000
    run --separate-stderr pub --platform instagram "$VIDEO"
    [ "$status" -eq 0 ]
    id=$(event publish.complete instagram | jq -r .id)
    run --separate-stderr pub status "instagram:$id"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c 'select(.event == "publish.status") | .data | [.platform, .likes, .comments]' <<< "$output")" \
        '["instagram",5,3]'
}

# ---- Facebook Login (auth facebook, auth instagram) ----

# meta_creds: the Meta app's id and secret only
meta_creds() {
    CREDS=$BATS_TEST_TMPDIR/creds.json
    (umask 077 && echo '{"facebook":{"client_id":"cid","client_secret":"csecret"}}' > "$CREDS")
}

@test "auth facebook: the Login redirect, the code made a long-lived user token, the Page's token from me/accounts stored; an upload then uses it" {
    fake facebook --pages='1234567890:Test Page,555:Other Page'
    meta_creds
    auth_bg facebook "$API_facebook" --set facebook.page_id=1234567890
    wait_for grep -q '^http://127.0.0.1:.*/v21.0/dialog/oauth?' "$BATS_TEST_TMPDIR/auth.err"
    url=$(grep '^http://' "$BATS_TEST_TMPDIR/auth.err")
    assert_match "$url" 'client_id=cid&redirect_uri=http%3A%2F%2F127.0.0.1%3A[0-9]+%2F&state=[A-Za-z0-9_-]+&response_type=code&scope=pages_show_list%2Cpages_read_engagement%2Cpages_manage_posts$'
    run curl -sfL "$url"
    [ "$status" -eq 0 ]
    wait "$AUTH_PID"
    # the code, then fb_exchange_token with the short token, then the Pages
    assert_eq "$(jq -r 'select(.p | test("oauth/access_token|me/accounts")) | [.st, (.grant // .pages)] | @tsv' "$LOG_facebook" | paste -sd' ')" \
        "200	authorization_code 200	fb_exchange_token 200	2"
    assert_eq "$(jq -r '.facebook | [.page_id, .expires_at, (.access_token | test("^EAAP")), (.user_access_token | test("^EAAL")), (.user_expires_at > 0)] | @tsv' "$CREDS")" \
        "1234567890	0	true	true	true"
    assert_eq "$(stat -c %a "$CREDS")" 600
    assert_match "$(cat "$BATS_TEST_TMPDIR/auth.err")" "facebook: Page 1234567890"
    # a code works once, as on Facebook
    code=$(jq -r 'select(.grant == "authorization_code") | .p | capture("code=(?<c>[^&]+)").c' "$LOG_facebook")
    redir=$(jq -r 'select(.grant == "authorization_code") | .p | capture("redirect_uri=(?<r>[^&]+)").r' "$LOG_facebook")
    run curl -s "$API_facebook/v21.0/oauth/access_token?client_id=cid&client_secret=csecret&redirect_uri=$redir&code=$code"
    assert_eq "$(jq -r '.error | [.code, .error_subcode, .message] | @tsv' <<< "$output")" "100	36009	This authorization code has been used."
    video 3000
    run --separate-stderr pub --platform facebook --processing-wait 0 "$VIDEO"
    [ "$status" -eq 0 ]
    assert_match "$(event publish.complete facebook | jq -r .url)" '^https://www.facebook.com/1234567890/videos/'
}

@test "auth facebook: a code issued for another redirect_uri is refused as Facebook refuses it; several Pages need page_id" {
    local port other
    fake facebook --pages='1:One,2:Two'
    meta_creds
    cp "$CREDS" "$BATS_TEST_TMPDIR/before.json"
    auth_bg facebook "$API_facebook"
    wait_for grep -q '^http://' "$BATS_TEST_TMPDIR/auth.err"
    port=$(grep -o 'redirect_uri=http%3A%2F%2F127.0.0.1%3A[0-9]*' "$BATS_TEST_TMPDIR/auth.err" | grep -o '[0-9]*$')
    state=$(grep -o 'state=[A-Za-z0-9_-]*' "$BATS_TEST_TMPDIR/auth.err" | cut -d= -f2)
    # the dialog asked with another redirect_uri; its code comes to ours
    other=$(curl -s -o /dev/null -w '%{redirect_url}' "$API_facebook/v21.0/dialog/oauth?client_id=cid&response_type=code&state=$state&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2F")
    curl -s "http://127.0.0.1:$port/?${other#*\?}" > /dev/null
    st=0
    wait "$AUTH_PID" || st=$?
    assert_eq "$st" 1
    assert_match "$(cat "$BATS_TEST_TMPDIR/auth.err")" "exchanging the code: 400 error 100/36008: Error validating verification code. Please make sure your redirect_uri is identical"
    cmp "$CREDS" "$BATS_TEST_TMPDIR/before.json"
    auth_bg facebook "$API_facebook"
    wait_for grep -q '^http://' "$BATS_TEST_TMPDIR/auth.err"
    curl -sfL "$(grep '^http://' "$BATS_TEST_TMPDIR/auth.err")" > /dev/null
    st=0
    wait "$AUTH_PID" || st=$?
    assert_eq "$st" 1
    assert_match "$(cat "$BATS_TEST_TMPDIR/auth.err")" "facebook: the user has several Pages \(1 2\): say which with --set facebook.page_id=ID"
    run -2 --separate-stderr sv-publish --credentials "$CREDS" auth --device facebook
    assert_match "$stderr" "facebook has no device flow"
}

@test "auth instagram: Facebook Login for Business, the Page's instagram_business_account stored as ig_user_id; a Page without one is a clear failure" {
    fake instagram --pages='777:Shop' --ig=777:17841400000000001
    meta_creds
    auth_bg instagram "$API_instagram"
    wait_for grep -q '^http://' "$BATS_TEST_TMPDIR/auth.err"
    url=$(grep '^http://' "$BATS_TEST_TMPDIR/auth.err")
    assert_match "$url" '&scope=instagram_basic%2Cinstagram_content_publish%2Cpages_read_engagement%2Cpages_show_list$'
    curl -sfL "$url" > /dev/null
    wait "$AUTH_PID"
    assert_eq "$(jq -r '.instagram | [.ig_user_id, .page_id, (.access_token | test("^EAAL")), (.expires_at > 0)] | @tsv' "$CREDS")" \
        "17841400000000001	777	true	true"
    assert_match "$(cat "$BATS_TEST_TMPDIR/auth.err")" "instagram: account 17841400000000001 \(through Page 777\); the token lasts 59 days"
    video 3000
    run --separate-stderr pub --platform instagram --description "hi" "$VIDEO"
    [ "$status" -eq 0 ]
    assert_eq "$(event publish.complete instagram | jq -r .state)" PUBLISHED
    kill "${PIDS##* }"
    PIDS=
    fake instagram --pages='778:No IG'
    meta_creds
    auth_bg instagram "$API_instagram"
    wait_for grep -q '^http://' "$BATS_TEST_TMPDIR/auth.err"
    curl -sfL "$(grep '^http://' "$BATS_TEST_TMPDIR/auth.err")" > /dev/null
    st=0
    wait "$AUTH_PID" || st=$?
    assert_eq "$st" 1
    assert_match "$(cat "$BATS_TEST_TMPDIR/auth.err")" "instagram: Page 778 has no Instagram professional account linked"
}

# ---- Odysee (lbrynet) ----

@test "odysee: publish through lbrynet's JSON-RPC with the file's path, the claim and its URL reported; status by claim_search" {
    fake odysee
    creds
    video 5000
    run --separate-stderr pub --platform odysee --title "An Odysee clip" \
        --tags a,b --set odysee.bid=0.5 "$VIDEO"
    [ "$status" -eq 0 ]
    d=$(event publish.complete odysee)
    id=$(jq -r .id <<< "$d")
    assert_match "$id" '^[0-9a-f]{40}$'
    assert_eq "$(jq -r '[.url, .permanent_url, .state] | @tsv' <<< "$d")" \
        "https://odysee.com/clip:$id	lbry://clip#$id	published"
    # the daemon read the very file, under the name from its base name
    assert_eq "$(jq -c 'select(.method == "publish") | [.name, .bid, .title, .tags, .update]' "$LOG_odysee")" \
        '["clip","0.5","An Odysee clip",["a","b"],false]'
    assert_eq "$(jq -r 'select(.sha256) | .sha256' "$LOG_odysee")" "$SHA"
    run --separate-stderr pub status "odysee:$id"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c 'select(.event == "publish.status") | .data | [.state, .confirmations]' <<< "$output")" \
        '["confirmed",6]'
}

@test "odysee: the daemon's errors are failures (bid for a new claim, funds, two claims); an existing claim is updated without a bid" {
    fake odysee --balance=1 --claimed=taken --twice=dup
    creds
    video 1000
    run -1 --separate-stderr pub --platform odysee "$VIDEO"
    assert_eq "$(event error odysee | jq -r '[.code, .reason] | @tsv')" "EPROTO	-32500"
    assert_match "$stderr" "odysee: publish: error -32500: 'bid' is a required argument for new publishes."
    run -1 --separate-stderr pub --platform odysee --set odysee.bid=5 "$VIDEO"
    assert_eq "$(event error odysee | jq -r .code)" ELIMIT
    assert_match "$stderr" "Not enough funds"
    run -1 --separate-stderr pub --platform odysee --set odysee.name=dup "$VIDEO"
    assert_match "$stderr" "There are 2 claims for 'dup'"
    run --separate-stderr pub --platform odysee --set odysee.name=taken "$VIDEO"
    [ "$status" -eq 0 ]
    assert_eq "$(jq -c 'select(.ok) | [.name, .bid, .update]' "$LOG_odysee")" '["taken",null,true]'
    run -2 --separate-stderr sv-publish --platform odysee --set odysee.name=no_way "$VIDEO"
    assert_match "$stderr" "odysee: the claim name 'no_way' may have only letters, digits and '-'"
    run -2 --separate-stderr sv-publish --platform odysee --set odysee.bid=-1 "$VIDEO"
    assert_match "$stderr" "odysee: bid is an amount of LBC above 0"
}
