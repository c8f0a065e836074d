import type { Page, TestInfo } from '@playwright/test';
import { test, expect, uniqueEmail, expectAccessible, jsEnabled, PASSWORD } from './fixtures';
import { ApiKeysTab, AuthPages, pressConfirming } from './pages';
import { E2E_SHORT_PORT } from '../constants';

// The second server, whose confirmations last 10 s (REAUTH_WINDOW_SECS), so one ends for real.
test.use({ baseURL: `http://127.0.0.1:${E2E_SHORT_PORT}` });

/** A new person on the API keys tab, just confirmed by generating a first key: the tab, and
 * the countdown's status while the confirmation is open. */
async function confirmedOnApiKeys(page: Page, testInfo: TestInfo) {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const tab = new ApiKeysTab(page);
  await tab.open();
  await tab.generate('First', ['profile:read']);
  return { tab, open: page.getByRole('status').filter({ hasText: 'Identity confirmed' }) };
}

test('when the confirmation runs out mid-form, the next press asks again and sends what was typed', async ({ page }, testInfo) => {
  const { tab, open } = await confirmedOnApiKeys(page, testInfo);
  await expect(open).toContainText('less than a minute');

  await tab.startNew();
  const left = Number(await page.locator('[data-sudo-left]').getAttribute('data-sudo-left'));
  expect(left).toBeGreaterThan(0);
  expect(left).toBeLessThanOrEqual(10);
  await page.getByLabel('Name').fill('Typed while it ran out');
  await tab.scope('sessions:read').check();
  if (jsEnabled()) {
    // The page's countdown ends and says so; nothing typed is hidden.
    await expect(page.getByRole('status').filter({ hasText: 'Your confirmation has ended' })).toBeVisible({ timeout: 20_000 });
    await expect(open).toBeHidden();
    await expect(page.getByLabel('Name')).toHaveValue('Typed while it ran out');
    await expectAccessible(page);
  }
  // The server's window is the one that counts: let it pass too (the page said how long).
  await page.waitForTimeout((left + 1.5) * 1000);

  await pressConfirming(page, () => page.getByRole('button', { name: 'Generate key' }).click());
  await expect(tab.newKey()).toContainText('Typed while it ran out');
  await expect(tab.key('Typed while it ran out')).toContainText('sessions:read');
  // Confirmed again: the countdown is back, and the note that it had ended is gone.
  await expect(open).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Your confirmation has ended' })).toHaveCount(0);
  await expectAccessible(page);
});

test('when the server says the confirmation has ended before the page does, the page believes the server @js', async ({ page }, testInfo) => {
  const { tab, open } = await confirmedOnApiKeys(page, testInfo);
  await expect(open).toBeVisible();
  // The page's clock stands still from here (its timers still run), so its countdown never
  // ends by itself: only the server's answer can end it.
  await page.clock.setFixedTime(new Date());
  await tab.startNew();
  await page.getByLabel('Name').fill('After the server said so');
  await tab.scope('sessions:read').check();
  await page.waitForTimeout(11_500); // the server's 10 s have passed
  await expect(open).toBeVisible();

  await page.getByRole('button', { name: 'Generate key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });
  await expect(dialog).toBeVisible();
  // Behind the dialog (inert, so found by text): the countdown has ended.
  const countdown = page.locator('.sudo-window');
  await expect(countdown.getByText('Your confirmation has ended')).toBeVisible();
  await expect(countdown.getByText('Identity confirmed')).toBeHidden();

  await dialog.getByLabel('Current password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(tab.newKey()).toContainText('After the server said so');
  // Confirmed again: a new window of the server's length, on the page's (still) clock.
  await expect(open).toBeVisible();
  await expect(countdown.getByText('Your confirmation has ended')).toBeHidden();
  await expectAccessible(page);
});
