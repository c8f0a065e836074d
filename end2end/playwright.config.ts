import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { E2E_PORT, E2E_SHORT_PORT, PLATFORM_KEY } from './constants';

// The suite runs against the release build that scripts/test.sh made (`cargo leptos build
// --release --precompress`): the server binary, its hash.txt, and the site in ../target/site.
const targetDir = process.env.CARGO_TARGET_DIR ?? path.resolve(__dirname, '../target');
const serverBin = process.env.PC_SERVER_BIN ?? path.join(targetDir, 'release', 'profile-center');
const port = E2E_PORT;
const shortPort = E2E_SHORT_PORT;
// A fresh database per run, so runs never see each other's users. Test workers load this file
// again; the environment (inherited from the main process) keeps them on the same folder.
process.env.PC_E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'pc-e2e-'));
const dataDir = process.env.PC_E2E_DATA_DIR;
// Mail goes to a real SMTP server on loopback (aiosmtpd) that keeps every message in a Maildir
// the tests read.
const smtpPort = Number(process.env.PC_E2E_SMTP_PORT ?? 3125);
process.env.PC_E2E_MAILDIR = path.join(dataDir, 'maildir');

const chromium = {
  browserName: 'chromium' as const,
  launchOptions: {
    // Debian's Chromium: Playwright cannot download browsers on these machines.
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  },
};
const desktop = { viewport: { width: 1280, height: 800 } };
// 375 px wide like a small phone; the dark scheme here so axe checks both themes' contrast.
const mobile = { viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, colorScheme: 'dark' as const };

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  reporter: process.env.CI ? [['list']] : [['list'], ['html', { open: 'never' }]],
  // The longest flows (several people, every page checked with axe) take 30-50 s on a quiet
  // machine and were seen past 60 s on a busy one.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
    ...chromium,
  },
  projects: [
    // Tests tagged @desktop (keyboard navigation) have no meaning on a touch screen; tests tagged
    // @js check what only JavaScript adds (pending states in place).
    { name: 'desktop-js', use: { ...desktop, javaScriptEnabled: true } },
    { name: 'desktop-nojs', use: { ...desktop, javaScriptEnabled: false }, grepInvert: /@js/ },
    { name: 'mobile-js', use: { ...mobile, javaScriptEnabled: true }, grepInvert: /@desktop/ },
    { name: 'mobile-nojs', use: { ...mobile, javaScriptEnabled: false }, grepInvert: /@desktop|@js/ },
  ],
  webServer: [
    {
      command: `python3 -m aiosmtpd -n -l 127.0.0.1:${smtpPort} -c aiosmtpd.handlers.Mailbox ${process.env.PC_E2E_MAILDIR}`,
      port: smtpPort,
      reuseExistingServer: false,
      timeout: 30_000,
    },
    server(port, dataDir, {}),
    // A second server whose confirmations last 10 s, so the tests can see one end for real.
    server(shortPort, path.join(dataDir, 'short'), { REAUTH_WINDOW_SECS: '10' }),
  ],
});

/** The app server on `port` with its own data folder (and database), `extra` added to its environment. */
function server(port: number, dir: string, extra: Record<string, string>) {
  fs.mkdirSync(dir, { recursive: true });
  return {
    // The log goes to a file, which the test command searches for secrets afterwards
    // (scripts/scan-logs.py); panics still reach Playwright's output on stderr.
    command: `exec '${serverBin}' >> '${path.join(dir, 'server.log')}'`,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore' as const,
    stderr: 'pipe' as const,
    env: {
      DATABASE_URL: `sqlite://${dir}/e2e.db`,
      DATA_DIR: dir,
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: path.resolve(__dirname, '../target/site'),
      LEPTOS_SITE_PKG_DIR: 'pkg',
      LEPTOS_OUTPUT_NAME: 'profile-center',
      LEPTOS_HASH_FILES: 'true',
      RUST_LOG: 'info',
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      // Each test sends its own X-Forwarded-For (see fixtures.ts), so throttling per IP
      // separates tests as it separates people.
      TRUST_PROXY_HEADERS: 'true',
      MAIL_FROM: 'Profile Center <no-reply@profile.test>',
      // The platform's key for POST /api/v1/events; tests post events as the platform would.
      PLATFORM_API_KEY: PLATFORM_KEY,
      // The console the header links back to.
      CONSOLE_URL: 'https://console.example.com',
      CONSOLE_NAME: 'Example Cloud',
      ...extra,
    },
  };
}
