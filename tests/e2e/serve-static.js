// serve-static.js -- a small static file server with CORS and byte ranges
// for the package tests (the real origin is sv-serve).
//   node serve-static.js DIR
// Binds 127.0.0.1 on a free port and prints {"port":N} on stdout.
// Query strings (LL-HLS _HLS_msn/_HLS_part) are ignored: playlists are
// answered as they are on disk.
const http = require('http');
const fs = require('fs');
const path = require('path');

const root = path.resolve(process.argv[2] || '.');
const types = {
  '.m3u8': 'application/vnd.apple.mpegurl', '.mpd': 'application/dash+xml',
  '.mp4': 'video/mp4', '.m4s': 'video/iso.segment', '.ts': 'video/mp2t',
  '.json': 'application/json', '.html': 'text/html', '.js': 'text/javascript',
};

const server = http.createServer((req, res) => {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Headers', 'Range');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range');
  res.setHeader('Cache-Control', 'no-cache');
  if (req.method === 'OPTIONS') { res.writeHead(204); res.end(); return; }
  const rel = decodeURIComponent(req.url.split('?')[0]);
  const file = path.join(root, rel);
  if (!file.startsWith(root + path.sep) || path.basename(file)[0] === '.') {
    res.writeHead(403); res.end(); return;
  }
  fs.readFile(file, (err, data) => {
    if (err) { res.writeHead(404); res.end(); return; }
    const type = types[path.extname(file)] || 'application/octet-stream';
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
    if (m) {
      const a = +m[1], b = m[2] ? Math.min(+m[2], data.length - 1)
                                : data.length - 1;
      if (a > b) { res.writeHead(416); res.end(); return; }
      res.writeHead(206, { 'Content-Type': type,
                           'Content-Range': `bytes ${a}-${b}/${data.length}`,
                           'Content-Length': b - a + 1 });
      res.end(data.subarray(a, b + 1));
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': data.length });
    res.end(data);
  });
});
server.listen(0, '127.0.0.1', () => {
  console.log(JSON.stringify({ port: server.address().port }));
});
process.on('SIGTERM', () => process.exit(0));
