import { test, expect, PASSWORD, uniqueEmail, expectAccessible, jsEnabled, ready } from './fixtures';
import { ApiKeysTab, AuthPages } from './pages';

test('a key is shown once, calls the API, and fails as soon as it is revoked', async ({ page, request }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await new AuthPages(page).createAccount(email);
  const tab = new ApiKeysTab(page);
  await tab.open();
  await expectAccessible(page);
  // Creating needs a fresh password confirmation.
  await expect(page.getByRole('button', { name: 'Generate key' })).toHaveCount(0);
  await tab.confirmPassword(PASSWORD);
  await expectAccessible(page);

  const key = await tab.generate('Playwright', ['profile:read']);
  expect(key).toMatch(/^pc_[0-9a-f]{16}\.[A-Za-z0-9_-]{43}$/);
  await expectAccessible(page);
  if (jsEnabled()) {
    await page.getByRole('button', { name: 'Copy key' }).click();
    await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  } else {
    await expect(page.getByRole('button', { name: 'Copy key' })).toBeHidden();
  }

  const me = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);
  expect((await me.json()).email).toBe(email);

  // Never again: a reload shows the list, with the key's id and the start of its secret only.
  await page.reload();
  await expect(tab.newKey()).toHaveCount(0);
  await expect(page.getByText(key)).toHaveCount(0);
  const item = tab.key('Playwright');
  await expect(item).toContainText('Active');
  await expect(item).toContainText(key.slice(0, 3 + 16 + 1 + 4));
  await expect(item).toContainText('profile:read');
  await expect(item).toContainText(/Last used\s*\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC from /);

  // Revoking asks first; "Cancel" leaves the key working.
  await item.getByRole('link', { name: 'Revoke key Playwright' }).click();
  const confirm = page.getByRole('group', { name: /^Revoke the key Playwright\?/ });
  await expect(confirm).toContainText('stop working at once');
  await expectAccessible(page);
  await confirm.getByRole('link', { name: 'Cancel' }).click();
  await expect(page.getByRole('group', { name: /^Revoke the key/ })).toHaveCount(0);
  await expect(tab.key('Playwright')).toContainText('Active');
  expect((await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${key}` } })).status()).toBe(200);
  await tab.key('Playwright').getByRole('link', { name: 'Revoke key Playwright' }).click();
  await ready(page);
  await page.getByRole('button', { name: 'Yes, revoke the key Playwright' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Key revoked.' })).toBeVisible();
  await expect(tab.key('Playwright')).toContainText('Revoked');
  const after = await request.get('/api/v1/me', { headers: { Authorization: `Bearer ${key}` } });
  expect(after.status()).toBe(401);
  expect(after.headers()['content-type']).toBe('application/problem+json');
  await expectAccessible(page);

  // Revoked keys stay listed until deleted.
  await ready(page);
  await tab.key('Playwright').getByRole('button', { name: 'Delete key Playwright' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Key deleted.' })).toBeVisible();
  await expect(tab.keys()).toHaveCount(0);
  await expect(page.getByText('No keys yet.')).toBeVisible();
});

test('editing a key changes its scopes; a key without scopes is refused with a field error', async ({ page, request }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const tab = new ApiKeysTab(page);
  await tab.open();
  await tab.confirmPassword(PASSWORD);

  // No scope chosen: the error sits on the scopes group, nothing is created.
  await page.getByLabel('Name').fill('Nothing');
  await page.getByRole('button', { name: 'Generate key' }).click();
  await expect(page.getByText('Choose at least one scope.')).toBeVisible();
  await expect(page.getByRole('group', { name: 'Scopes' })).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  await ready(page);

  const key = await tab.generate('Reporter', ['profile:read']);
  const sessions = () => request.get('/api/v1/me/sessions', { headers: { Authorization: `Bearer ${key}` } });
  const denied = await sessions();
  expect(denied.status()).toBe(403);
  expect((await denied.json()).missing_scope).toBe('sessions:read');

  await page.reload();
  await tab.key('Reporter').getByRole('link', { name: 'Edit key Reporter' }).click();
  await expect(page.getByRole('heading', { name: 'Edit “Reporter”' })).toBeVisible();
  await ready(page);
  await expectAccessible(page);
  await expect(tab.scope('profile:read')).toBeChecked();
  await tab.scope('sessions:read').check();
  await page.getByRole('button', { name: 'Save key' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Key saved.' })).toBeVisible();
  await expect(tab.key('Reporter')).toContainText('profile:read, sessions:read');
  expect((await sessions()).status()).toBe(200);
});

test('the API documentation comes from our own server only', async ({ page, baseURL }) => {
  const elsewhere: string[] = [];
  await page.route(
    (url) => !url.href.startsWith(baseURL!),
    (route) => {
      elsewhere.push(route.request().url());
      return route.abort();
    },
  );
  await page.goto('/api/docs');
  if (jsEnabled()) {
    await expect(page.getByRole('heading', { name: /Profile Center API/ })).toBeVisible();
    await expect(page.getByText('/api/v1/me/sessions')).toBeVisible();
  } else {
    await expect(page.getByRole('link', { name: '/api/v1/openapi.json' })).toBeVisible();
  }
  expect(elsewhere).toEqual([]);
  await expectAccessible(page);
});

test('when the confirmation runs out the page asks again in place, and what was typed stays @js', async ({ page }, testInfo) => {
  // The browser's clock is faked so ten minutes pass at once; the server keeps real time.
  await page.clock.install();
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const tab = new ApiKeysTab(page);
  await tab.open();
  await tab.confirmPassword(PASSWORD);
  const window = page.getByRole('status').filter({ hasText: 'You can create and change keys' });
  await expect(window).toContainText('for the next 10 minutes');
  await page.getByLabel('Name').fill('Half typed');
  await tab.scope('sessions:read').check();

  // It counts down ...
  await page.clock.fastForward('04:00');
  await expect(window).toContainText('for the next 6 minutes');
  // ... and when it ends, the key form steps aside for the password, without a reload.
  await page.clock.fastForward('06:01');
  await expect(page.getByRole('alert').filter({ hasText: 'Your confirmation has ended' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Generate key' })).toBeHidden();
  await expectAccessible(page);
  await page.getByLabel('Current password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();

  // Confirmed again: the same form is back, as it was typed.
  await expect(window).toContainText('for the next 10 minutes');
  await expect(page.getByRole('alert').filter({ hasText: 'Your confirmation has ended' })).toHaveCount(0);
  await expect(page.getByLabel('Name')).toHaveValue('Half typed');
  await expect(tab.scope('sessions:read')).toBeChecked();
  await page.getByRole('button', { name: 'Generate key' }).click();
  await expect(tab.newKey()).toContainText('Half typed');
});
