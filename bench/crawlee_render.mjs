// Crawlee's side of the render benchmark (bench/run.sh --scenario render): PuppeteerCrawler
// with puppeteer-core and Debian's Chromium crawls the SPA site as bench/render.toml does
// with crawlbox: same start page, same Chromium flags, images, fonts and media blocked with
// the same DevTools patterns, wait for the same selector, the same records (rank, title,
// score of every dd.film) into Crawlee's default dataset, the same links followed.
//
//   node bench/crawlee_render.mjs --modules DIR/node_modules --start URL --storage DIR
//        [--tabs 4] [--follow REGEX] [--wait-for SELECTOR] [--timeout-ms 15000]
//        [--chromium /usr/bin/chromium] [--summary FILE] [--crawlee-defaults]
//        [--chromium-defaults]
//
// --modules is where bench/run.sh installed crawlee and puppeteer-core (bench/crawlee/).
// Records land in STORAGE/datasets/default/*.json (one file per record, Crawlee's own
// storage); --summary writes Crawlee's final statistics and the versions as JSON.
// --crawlee-defaults keeps Crawlee's defaults (fingerprints injected into every page, a
// session pool whose sessions retire their browser after 50 pages, the browser retired after
// 100 pages) instead of matching crawlbox (no fingerprints or sessions, one browser for 1000
// pages).
// --chromium-defaults starts Chromium with Puppeteer's default flags (and --no-sandbox as root)
// instead of crawlbox's, as a Crawlee user gets it.
// Exit 0 when the crawl ran (the benchmark checks the records), 1 on an error.
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import process from 'node:process';

function parseArgs(argv) {
  const args = {
    tabs: 4, follow: '/spa/page/\\d+$', waitFor: '#ready', timeoutMs: 15000,
    chromium: '/usr/bin/chromium', summary: '', crawleeDefaults: false, chromiumDefaults: false,
  };
  const names = {
    '--modules': 'modules', '--start': 'start', '--storage': 'storage', '--tabs': 'tabs',
    '--follow': 'follow', '--wait-for': 'waitFor', '--timeout-ms': 'timeoutMs',
    '--chromium': 'chromium', '--summary': 'summary',
  };
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--crawlee-defaults') { args.crawleeDefaults = true; continue; }
    if (argv[i] === '--chromium-defaults') { args.chromiumDefaults = true; continue; }
    const key = names[argv[i]];
    if (!key || i + 1 >= argv.length) throw new Error(`bad argument ${argv[i]}`);
    args[key] = argv[++i];
  }
  for (const key of ['modules', 'start', 'storage']) {
    if (!args[key]) throw new Error(`--${key} is required`);
  }
  args.tabs = Number(args.tabs);
  args.timeoutMs = Number(args.timeoutMs);
  return args;
}

// crawlbox's Chromium command line (crawler/render/browser.cc BrowserArgs) without its
// profile and cache directories (Puppeteer makes a temporary profile) and its
// --remote-debugging-pipe (Puppeteer adds it for pipe: true).
function chromiumArgs() {
  const args = [
    '--headless', '--no-first-run', '--no-default-browser-check', '--disable-gpu',
    '--disable-dev-shm-usage', '--disable-extensions', '--disable-background-networking',
    '--disable-sync', '--mute-audio', '--hide-scrollbars', '--no-startup-window',
    '--disable-features=Translate,MediaRouter,WebUIOmniboxPopup,WebUIOmniboxAimPopup,' +
      'SpareRendererForSitePerProcess,ProcessPerSiteUpToMainFrameThreshold',
    '--enable-features=NetworkServiceInProcess2', '--in-process-gpu',
    '--disable-software-rasterizer', '--blink-settings=imagesEnabled=false',
  ];
  // Chromium refuses to start as root with its sandbox on; crawlbox turns it off then too,
  // and then starts every process from one zygote.
  if (process.getuid && process.getuid() === 0) args.push('--no-sandbox', '--no-unsandboxed-zygote');
  return args;
}

// crawler/render/renderer.cc kMediaPatterns, for Network.setBlockedURLs.
const MEDIA_PATTERNS = [
  '*.png', '*.jpg', '*.jpeg', '*.gif', '*.webp', '*.svg', '*.ico',
  '*.woff', '*.woff2', '*.ttf', '*.otf', '*.mp4', '*.webm', '*.mp3',
];

async function main() {
  const args = parseArgs(process.argv);
  process.env.CRAWLEE_STORAGE_DIR = args.storage;
  const require = createRequire(args.modules.replace(/\/?$/, '/'));
  const { PuppeteerCrawler, log } = require('crawlee');
  const puppeteer = require('puppeteer-core');
  log.setLevel(log.LEVELS.WARNING);
  const follow = new RegExp(args.follow);

  const crawler = new PuppeteerCrawler({
    minConcurrency: args.tabs,
    maxConcurrency: args.tabs,
    navigationTimeoutSecs: args.timeoutMs / 1000,
    requestHandlerTimeoutSecs: args.timeoutMs / 1000,
    launchContext: {
      launcher: puppeteer,
      useChrome: false,
      launchOptions: args.chromiumDefaults ? {
        executablePath: args.chromium,
        headless: true,
        pipe: true,
        args: process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [],
      } : {
        executablePath: args.chromium,
        headless: true,
        pipe: true,
        ignoreDefaultArgs: true,
        args: chromiumArgs(),
        // --no-startup-window: no first tab to wait for.
        waitForInitialPage: false,
      },
    },
    // Matching crawlbox: no fingerprints; no session rotation (a session retires its browser
    // after 50 pages); the browser retired after 1000 pages (render.recycle_browser_after).
    ...(args.crawleeDefaults ? {} : {
      useSessionPool: false,
      persistCookiesPerSession: false,
      browserPoolOptions: { useFingerprints: false, retireBrowserAfterPageCount: 1000 },
    }),
    preNavigationHooks: [
      async ({ blockRequests }) => {
        await blockRequests({ urlPatterns: MEDIA_PATTERNS });
      },
    ],
    async requestHandler({ page, enqueueLinks, pushData }) {
      await page.waitForSelector(args.waitFor, { timeout: args.timeoutMs });
      const records = await page.$$eval('dd.film', (dds) => dds.map((dd) => {
        const text = (selector) => {
          const node = dd.querySelector(selector);
          return node ? node.textContent.trim() : null;
        };
        return {
          rank: Number.parseInt(text('span.rank'), 10),
          title: text('a.title'),
          score: Number.parseFloat(text('span.score')),
        };
      }));
      await pushData(records);
      await enqueueLinks({ regexps: [follow] });
    },
  });
  const stats = await crawler.run([args.start]);
  if (args.summary) {
    writeFileSync(args.summary, JSON.stringify({
      requests_finished: stats.requestsFinished,
      requests_failed: stats.requestsFailed,
      retry_histogram: stats.retryHistogram,
      request_avg_finished_ms: stats.requestAvgFinishedDurationMillis,
      crawler_runtime_ms: stats.crawlerRuntimeMillis,
      crawlee: require('crawlee/package.json').version,
      puppeteer_core: require('puppeteer-core/package.json').version,
      node: process.version,
      crawlee_defaults: args.crawleeDefaults,
      chromium_defaults: args.chromiumDefaults,
    }) + '\n');
  }
}

main().catch((err) => {
  console.error(`crawlee_render: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
