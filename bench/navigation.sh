#!/usr/bin/env bash
# How long moving to another settings tab takes: a full page load (what every tab switch was
# before client-side navigation, and what it still is without JavaScript) against the in-place
# navigation that replaced it, in Debian's Chromium driven by Playwright. Median of N rounds
# (default 10) per tab, on the release server with a fresh SQLite file. Prints one table row
# per tab; exits 1 if any median in-place navigation is slower than the median full load.
#
#   bench/navigation.sh [rounds]   (needs the release build from scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

ROUNDS=${1:-10}
PORT=${PC_BENCH_PORT:-3312}
source bench/lib.sh
start_server navigation "$PORT" LEPTOS_HASH_FILES=true
COOKIE=$(signed_up_cookie "$PORT")

cd end2end
NODE_PATH=node_modules node - "$PORT" "$ROUNDS" "$COOKIE" <<'JS'
const { chromium } = require('@playwright/test');
const [port, rounds, cookie] = [process.argv[2], Number(process.argv[3]), process.argv[4]];
const base = `http://127.0.0.1:${port}`;
const tabs = ['profile', 'preferences', 'notifications', 'security', 'sessions', 'api-keys'];
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
(async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
  const context = await browser.newContext();
  await context.addCookies(cookie.split('; ').filter(Boolean).map((c) => {
    const [name, ...rest] = c.split('=');
    return { name, value: rest.join('='), url: base };
  }));
  const page = await context.newPage();
  const full = Object.fromEntries(tabs.map((t) => [t, []]));
  const inPlace = Object.fromEntries(tabs.map((t) => [t, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [i, tab] of tabs.entries()) {
      // A full load: from navigation start to the load event, with code and styles cached.
      await page.goto(`${base}/settings/${tabs[(i + 1) % tabs.length]}`);
      await page.goto(`${base}/settings/${tab}`);
      full[tab].push(await page.evaluate(() => performance.getEntriesByType('navigation')[0].loadEventEnd));
      // In place: from the click on the tab link to the new tab swapped in.
      await page.goto(`${base}/settings/${tabs[(i + 1) % tabs.length]}`);
      await page.waitForSelector('form[data-hydrated]', { state: 'attached' });
      const ms = await page.evaluate(async (tab) => {
        const root = document.documentElement;
        const before = Number(root.dataset.navigations ?? 0);
        const start = performance.now();
        document.querySelector(`nav.tabs a[href="/settings/${tab}"]`).click();
        while (Number(root.dataset.navigations ?? 0) === before) await new Promise((r) => setTimeout(r, 1));
        return performance.now() - start;
      }, tab);
      inPlace[tab].push(ms);
    }
  }
  await browser.close();
  console.log(`| tab | full page load (ms, median of ${rounds}) | in-place navigation (ms, median of ${rounds}) |`);
  console.log('|---|---|---|');
  let slower = [];
  for (const tab of tabs) {
    const [f, n] = [median(full[tab]), median(inPlace[tab])];
    console.log(`| /settings/${tab} | ${f.toFixed(1)} | ${n.toFixed(1)} |`);
    if (n > f) slower.push(tab);
  }
  if (slower.length) {
    console.error(`navigation: FAIL — in place slower than a full load on ${slower.join(', ')}`);
    process.exit(1);
  }
  console.log('navigation: ok — every tab switch in place is faster than the full load it replaces');
})().catch((e) => { console.error(e); process.exit(2); });
JS
