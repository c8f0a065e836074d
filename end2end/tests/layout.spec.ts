import { test, expect, uniqueEmail, expectAccessible, ready, PASSWORD } from './fixtures';
import { AuthPages, ProfileTab } from './pages';
import type { Page } from '@playwright/test';

/** The page is no wider than the window: nothing makes it scroll sideways. */
async function expectNoSidewaysScroll(page: Page, where: string) {
  const { scroll, client } = await page
    .locator('html')
    .evaluate((html) => ({ scroll: html.scrollWidth, client: html.clientWidth }));
  expect(scroll, `${where} is ${scroll} px wide in a ${client} px window`).toBeLessThanOrEqual(client);
}

test('long names and addresses wrap or are shortened: no page scrolls sideways', async ({ page }, testInfo) => {
  // A 100-character name without spaces (the longest allowed) and addresses of 70+ characters.
  const email = uniqueEmail(testInfo).replace('@example.com', '@a-long-subdomain-for-wrapping-tests.example.com');
  const second = email.replace('@', '.second-address@');
  const first = 'W'.repeat(100);
  await page.goto('/signup');
  await new AuthPages(page).signUp(email, PASSWORD, first, 'Lovelace');
  await new ProfileTab(page).expectLoaded();

  const emails = page.getByRole('region', { name: 'E-mail addresses' });
  await emails.getByLabel('New e-mail address').fill(second);
  await emails.getByRole('button', { name: 'Add address' }).click();
  await expect(page.getByRole('list', { name: 'Your e-mail addresses' }).getByRole('listitem').filter({ hasText: second })).toBeVisible();
  await ready(page);

  const nav = page.getByRole('navigation', { name: 'Settings' });
  for (const tab of ['Profile', 'Preferences', 'Notifications', 'Accounts', 'Security', 'Sessions', 'API keys']) {
    await nav.getByRole('link', { name: tab, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: tab })).toBeVisible();
    await expectNoSidewaysScroll(page, `the ${tab} tab`);
  }

  // The header shortens the name; the opened menu shows it whole, wrapped, inside the window.
  await page.getByLabel(/^Account menu for /).click();
  const menu = page.locator('.avatar-menu .menu');
  await expect(menu).toContainText(`${first} Lovelace`);
  await expect(menu).toContainText(email);
  await expectNoSidewaysScroll(page, 'the open account menu');
  const box = (await menu.boundingBox())!;
  expect(box.x).toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(page.viewportSize()!.width);
  await expectAccessible(page);
});

test('at 375 and 768 px the security log stacks its rows instead of scrolling sideways', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  for (const width of [375, 768]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto('/settings/security');
    await ready(page);
    const frame = page.getByRole('region', { name: 'Security events' });
    await expect(frame.getByRole('cell').first()).toBeVisible();
    const { scroll, client } = await frame.evaluate((f) => ({ scroll: f.scrollWidth, client: f.clientWidth }));
    expect(scroll, `the log is ${scroll} px wide in its ${client} px frame at ${width} px`).toBeLessThanOrEqual(client);
    await expectNoSidewaysScroll(page, `the Security tab at ${width} px`);
    await expectAccessible(page);
  }
});
