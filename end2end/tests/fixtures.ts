import { test as base, expect, type Page, type TestInfo } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const PASSWORD = 'a long and unusual passphrase';

/** A unique address per test and project, so parallel runs never collide. */
export function uniqueEmail(testInfo: TestInfo): string {
  const id = `${testInfo.project.name}-${testInfo.workerIndex}-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  return `user-${id}@example.com`;
}

/**
 * Fails on any WCAG 2.0/2.1/2.2 A or AA violation on the page as it is now.
 *
 * axe-core runs as JavaScript in the page, which a JavaScript-off page refuses. There the test
 * checks an exact copy instead: the same DOM (scripts removed, so nothing hydrates), served at the
 * same URL with the same stylesheet, viewport and colour scheme, in a context where axe may run.
 *
 * A page this worker already checked in this project, identical but for the suite's unique
 * addresses, numbers and tokens (every test signs a newcomer up through the same pages), is not
 * checked again: the same markup and styles give the same verdict, and the suite's time goes to
 * pages it has not seen.
 */
export async function expectAccessible(page: Page) {
  const use = base.info().project.use;
  const html = (await page.content()).replace(/<script\b[\s\S]*?<\/script>/gi, '');
  const fingerprint = `${base.info().project.name}|${JSON.stringify(page.viewportSize())}|${html
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, 'e@x')
    .replace(/[A-Za-z0-9_-]{20,}/g, 't')
    .replace(/\d+/g, '0')}`;
  if (checked.has(fingerprint)) {
    return;
  }
  let target = page;
  if (use.javaScriptEnabled === false) {
    target = await axeCopy(page, html, use.colorScheme ?? 'light');
  }
  const results = await new AxeBuilder({ page: target })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'])
    .analyze();
  const summary = results.violations.map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`,
  );
  expect(summary, `accessibility violations on ${page.url()}`).toEqual([]);
  checked.add(fingerprint);
}

/** Pages this worker has checked, by fingerprint (see `expectAccessible`). */
const checked = new Set<string>();

/**
 * A page with JavaScript on showing `html` at `page`'s URL, for axe. One per viewport and colour
 * scheme per worker, reused: a new browser context per check cost more than the check.
 */
async function axeCopy(page: Page, html: string, colorScheme: 'light' | 'dark' | 'no-preference' | null): Promise<Page> {
  const key = `${JSON.stringify(page.viewportSize())}|${colorScheme}`;
  let copy = copies.get(key);
  if (!copy) {
    // Contexts made inside a test inherit the project's options: turn JavaScript back on.
    const context = await page.context().browser()!.newContext({
      javaScriptEnabled: true,
      viewport: page.viewportSize(),
      colorScheme: colorScheme ?? 'light',
    });
    const made = { page: await context.newPage(), url: '', html: '' };
    await made.page.route('**/*', (route) =>
      route.request().isNavigationRequest() && route.request().url() === made.url
        ? route.fulfill({ body: made.html, contentType: 'text/html; charset=utf-8' })
        : route.continue(),
    );
    copy = made;
    copies.set(key, copy);
  }
  // Without the fragment, so that going to the same address again loads the new copy.
  copy.url = page.url().split('#')[0];
  copy.html = html;
  await copy.page.goto(copy.url);
  return copy.page;
}

const copies = new Map<string, { page: Page; url: string; html: string }>();

/**
 * With JavaScript on, waits until the page's form islands are hydrated so the test exercises the
 * in-place (fetch) path; with JavaScript off there is nothing to wait for.
 */
export async function ready(page: Page) {
  const jsOn = base.info().project.use.javaScriptEnabled !== false;
  if (jsOn) {
    await expect(page.locator('form[data-hydrated]').first()).toBeAttached();
  }
}

/** How many client-side navigations (tabs, saves shown in place) this document has made. */
export async function navigations(page: Page): Promise<number> {
  return Number((await page.locator('html').getAttribute('data-navigations')) ?? '0');
}

/**
 * Clicks a submit button whose success shows the page again: without JavaScript a plain post and
 * a page load, with it the page's new state swapped in place (no load). Waits for that. Where the
 * page already showed the same status text before the click, waiting for the text alone would
 * race the update.
 */
export async function submitAndWaitForLoad(page: Page, button: ReturnType<Page['locator']>) {
  if (jsEnabled()) {
    const before = await navigations(page);
    await button.click();
    await expect.poll(() => navigations(page)).toBeGreaterThan(before);
  } else {
    await Promise.all([page.waitForEvent('load'), button.click()]);
  }
  await ready(page);
}

/** Waits for a message to `to` containing `needle` to arrive at the test SMTP server. */
export async function waitForMail(to: string, needle: string): Promise<string> {
  const dir = path.join(process.env.PC_E2E_MAILDIR!, 'new');
  let found = '';
  await expect
    .poll(
      () => {
        const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
        for (const file of files) {
          const raw = fs.readFileSync(path.join(dir, file), 'utf8');
          const text = raw.replace(/=\r?\n/g, '');
          if (raw.includes(`To: ${to}`) && text.includes(needle)) {
            found = text;
            return true;
          }
        }
        return false;
      },
      { timeout: 20_000, message: `mail to ${to} containing "${needle}"` },
    )
    .toBe(true);
  return found;
}

/** How many messages to `to` containing `needle` the test SMTP server has received. */
export function mailCount(to: string, needle: string): number {
  const dir = path.join(process.env.PC_E2E_MAILDIR!, 'new');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  return files.filter((file) => {
    const raw = fs.readFileSync(path.join(dir, file), 'utf8');
    return raw.includes(`To: ${to}`) && raw.replace(/=\r?\n/g, '').includes(needle);
  }).length;
}

export const jsEnabled = () => base.info().project.use.javaScriptEnabled !== false;

/**
 * Every test browses from its own (forwarded) address. Sign-in throttling counts failures per
 * IP; without this, the suite's deliberate wrong passwords would add up on 127.0.0.1 and lock
 * out tests that run later. (The server under test trusts X-Forwarded-For, see the config.)
 */
const test = base.extend({
  extraHTTPHeaders: async ({}, use, testInfo) => {
    let hash = 0;
    for (const c of `${testInfo.project.name}|${testInfo.titlePath.join('|')}|${testInfo.retry}`) {
      hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
    }
    await use({ 'X-Forwarded-For': `10.${(hash >>> 16) & 255}.${(hash >>> 8) & 255}.${hash & 255}` });
  },
});

export { test, expect };
