import { test, expect, uniqueEmail, expectAccessible, ready, PASSWORD, navigations } from './fixtures';
import { AuthPages, ApiKeysTab, NotificationsTab } from './pages';
import { PLATFORM_KEY } from '../constants';
import type { Page } from '@playwright/test';

/** A marker on `window` that only survives as long as the document does. */
async function mark(page: Page) {
  await page.evaluate(() => {
    (window as unknown as { sameDocument: boolean }).sameDocument = true;
  });
}
async function expectSameDocument(page: Page) {
  expect(await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument)).toBe(true);
}

const TABS: [string, RegExp][] = [
  ['Preferences', /^Preferences · Settings/],
  ['Notifications', /^Notifications · Settings/],
  ['Accounts', /^Accounts · Settings/],
  ['Security', /^Security · Settings/],
  ['Sessions', /^Sessions · Settings/],
  ['API keys', /^API keys · Settings/],
  ['Profile', /^Profile · Settings/],
];

test('tabs, saves, back and forward all happen in the same document @js', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await new AuthPages(page).createAccount(email);
  await mark(page);
  const nav = page.getByRole('navigation', { name: 'Settings' });

  for (const [name, title] of TABS) {
    await nav.getByRole('link', { name, exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeVisible();
    await expect(page).toHaveTitle(title);
    await expect(nav.getByRole('link', { name, exact: true })).toHaveAttribute('aria-current', 'page');
    // Focus moves to the new tab's heading, so screen readers announce where the person is.
    await expect(page.getByRole('heading', { level: 1, name, exact: true })).toBeFocused();
    await ready(page);
    await expectAccessible(page);
    await expectSameDocument(page);
  }

  // Back and forward move through the tabs visited, in place.
  await page.goBack();
  await expect(page).toHaveURL(/\/settings\/api-keys$/);
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Sessions' })).toBeVisible();
  await page.goForward();
  await expect(page.getByRole('heading', { level: 1, name: 'API keys' })).toBeVisible();
  await expectSameDocument(page);

  // A key made on the API keys tab shows at once (the page's new state, swapped in).
  const keys = new ApiKeysTab(page);
  await keys.generate('in place', ['profile:read']);
  await expect(keys.key('in place')).toHaveCount(1);
  await expectAccessible(page);
  await expectSameDocument(page);

  // Notifications: a save in place.
  const notifications = new NotificationsTab(page);
  await notifications.open();
  await notifications.channel('Pipeline builds', 'In-app').check();
  await notifications.save().click();
  await expect(page.getByRole('status').filter({ hasText: 'Notification settings saved.' })).toBeVisible();
  await expect(notifications.channel('Pipeline builds', 'In-app')).toBeChecked();
  await expectSameDocument(page);

  // Profile: the header shows the new name at once, a half-typed address in the other form
  // stays, focus stays at the form, and the message is read out.
  await nav.getByRole('link', { name: 'Profile', exact: true }).click();
  await ready(page);
  await page.getByLabel('New e-mail address').fill('half-typed@example');
  await page.getByLabel('First name').fill('Grace');
  const before = await navigations(page);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await expect.poll(() => navigations(page)).toBeGreaterThan(before);
  await expect(page.getByRole('status').filter({ hasText: 'Your profile was saved' })).toBeVisible();
  await expect(page.locator('#announcer')).toHaveText(/Your profile was saved/);
  await expect(page.getByRole('button', { name: 'Save', exact: true })).toBeFocused();
  await expect(page.getByLabel(/^Account menu for Grace /)).toBeVisible();
  await expect(page.getByLabel('New e-mail address')).toHaveValue('half-typed@example');
  await expectAccessible(page);

  // Preferences apply to the open page when saved: theme and language.
  await nav.getByRole('link', { name: 'Preferences', exact: true }).click();
  await ready(page);
  await page.getByLabel('Theme').selectOption('dark');
  await page.getByLabel('Language').selectOption('de');
  await page.getByRole('button', { name: 'Save preferences' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByRole('navigation', { name: 'Einstellungen' }).getByRole('link', { name: 'Profil' })).toBeVisible();
  await expectAccessible(page);
  await expectSameDocument(page);
});

test('the bell counts a new notification without a reload @js', async ({ page, request }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await new AuthPages(page).createAccount(email);
  // The bell asks every 20 s; the clock is moved on instead of waiting.
  await page.clock.install();
  await page.goto('/settings/profile');
  await ready(page);
  await mark(page);
  const bell = new NotificationsTab(page).bell();
  await expect(bell).toHaveAccessibleName('Notifications: none unread');

  const res = await request.post('/api/v1/events', {
    headers: { Authorization: `Bearer ${PLATFORM_KEY}` },
    data: { id: `bell-${testInfo.project.name}-${Date.now()}`, type: 'news.published', users: [email], data: { title: 'Fresh news', body: '…' } },
  });
  expect(res.status()).toBe(202);
  await page.clock.runFor(21_000);
  await expect(bell).toHaveAccessibleName('Notifications: 1 unread');
  await expect(bell.locator('.bell-count')).toHaveText('1');
  await expectAccessible(page);
  await expectSameDocument(page);
});

test('the header leads back to the console and its menu to every tab', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const back = page.getByRole('link', { name: 'Back to Example Cloud' });
  await expect(back).toHaveAttribute('href', 'https://console.example.com');
  const menu = page.getByLabel(/^Account menu for /);
  await menu.click();
  const links = page.locator('.avatar-menu .menu').getByRole('link');
  await expect(links).toHaveText(['Profile', 'Preferences', 'Notifications', 'Accounts', 'Security', 'Sessions', 'API keys']);
  await expectAccessible(page);
  await links.filter({ hasText: 'Sessions' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sessions' })).toBeVisible();
  await expectAccessible(page);
});

test('the avatar menu closes on Escape and on a click outside it @js @desktop', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const menu = page.getByLabel(/^Account menu for /);
  const signOut = page.getByRole('button', { name: 'Sign out' });
  await menu.click();
  await expect(signOut).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(signOut).toBeHidden();
  await expect(menu).toBeFocused();
  await menu.click();
  await expect(signOut).toBeVisible();
  await page.getByRole('heading', { level: 1, name: 'Profile' }).click();
  await expect(signOut).toBeHidden();
});

test('pages outside the settings do not poll the bell or navigate in place @js', async ({ page }) => {
  // The sign-in page has no bell: nothing may ask for a count there and send it to sign in.
  await page.clock.install();
  const polls: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('/api/unread_count')) polls.push(r.url());
  });
  await page.goto('/signin');
  await ready(page);
  await mark(page);
  await page.clock.runFor(45_000);
  await expect(page).toHaveURL(/\/signin$/);
  expect(polls).toEqual([]);
  await expectSameDocument(page);
});
