// browser.js -- what the player drivers (*play.js) share: headless Chromium
// with the project's flags and a fresh profile, a page server of their own,
// and polling the page for its stats.
const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { chromium } = require(path.join(__dirname, 'node_modules',
                                       'playwright-core'));

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu',
              '--disable-background-networking', '--disable-component-update',
              '--disable-sync', '--disable-quic', '--no-first-run',
              '--autoplay-policy=no-user-gesture-required'];

// Starts Chromium with a fresh profile (a temporary directory whose name
// starts with `name`) and ARGS plus extra.  Resolves to { context, page,
// close }: page is the context's first tab, close() ends Chromium and
// removes the profile.
async function launch(name, extra = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), name + '-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(dir, {
      executablePath: '/usr/bin/chromium',
      ignoreHTTPSErrors: true,    // the tests' throwaway certificates
      args: ARGS.concat(extra),
    });
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const page = context.pages()[0] || await context.newPage();
  const close = async () => {
    try {
      await context.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };
  return { context, page, close };
}

// Serves html at / and each of scripts ({ '/x.js': file under
// node_modules }) on 127.0.0.1, a free port; anything else is 404.
// Resolves to { url, close }.
function servePage(html, scripts) {
  const server = http.createServer((req, res) => {
    const file = scripts[req.url];
    if (file) {
      res.writeHead(200, { 'Content-Type': 'text/javascript' });
      fs.createReadStream(path.join(__dirname, 'node_modules', file))
        .pipe(res);
    } else if (req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end(html);
    } else {
      res.writeHead(404); res.end();
    }
  });
  return new Promise(r => server.listen(0, '127.0.0.1', r)).then(() => ({
    url: `http://127.0.0.1:${server.address().port}/`,
    close: () => server.close(),
  }));
}

// Reads what get() returns in the page every 250 ms until done(value) or
// limitMs have passed; resolves to the last value (null if none).
async function poll(page, get, done, limitMs) {
  const start = Date.now();
  let st = null;
  while (Date.now() - start < limitMs) {
    st = await page.evaluate(get);
    if (done(st)) break;
    await new Promise(r => setTimeout(r, 250));
  }
  return st;
}

module.exports = { launch, servePage, poll };
