import { test, expect, PASSWORD, uniqueEmail, expectAccessible, jsEnabled, ready } from './fixtures';
import { ApiKeysTab, AuthPages, pressConfirming } from './pages';

test('a key is shown once, calls the API, and fails as soon as it is revoked', async ({ page, request }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await new AuthPages(page).createAccount(email);
  const tab = new ApiKeysTab(page);
  await tab.open();
  await expectAccessible(page);
  // Nothing asks for a password up front, and the form opens only when asked for; creating
  // asks for the password when the key is generated (a fresh confirmation).
  await expect(page.getByRole('button', { name: 'Generate key' })).toHaveCount(0);
  await expect(page.getByRole('main').getByLabel('Current password')).toHaveCount(0);
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

  // Revoked keys stay listed until deleted, which asks first too.
  await ready(page);
  await tab.key('Playwright').getByRole('link', { name: 'Delete key Playwright' }).click();
  const question = page.getByRole('group', { name: /^Delete the key Playwright\?/ });
  await expect(question).toBeVisible();
  await expectAccessible(page);
  await question.getByRole('link', { name: 'Cancel' }).click();
  await expect(tab.key('Playwright')).toContainText('Revoked');
  await tab.key('Playwright').getByRole('link', { name: 'Delete key Playwright' }).click();
  await ready(page);
  await page.getByRole('button', { name: 'Yes, delete the key Playwright' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Key deleted.' })).toBeVisible();
  await expect(tab.keys()).toHaveCount(0);
  await expect(page.getByText('No keys yet.')).toBeVisible();
});

test('editing a key changes its scopes; a key without scopes is refused with a field error', async ({ page, request }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const tab = new ApiKeysTab(page);
  await tab.open();
  await tab.startNew();

  // No scope chosen: the error sits on the scopes group, nothing is created.
  await page.getByLabel('Name').fill('Nothing');
  await pressConfirming(page, () => page.getByRole('button', { name: 'Generate key' }).click());
  await expect(page.getByText('Choose at least one scope.')).toBeVisible();
  await expect(page.getByRole('group', { name: 'Scopes' })).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  await ready(page);

  const key = await tab.generate('Reporter', ['profile:read'], true);
  const sessions = () => request.get('/api/v1/me/sessions', { headers: { Authorization: `Bearer ${key}` } });
  const denied = await sessions();
  expect(denied.status()).toBe(403);
  expect((await denied.json()).missing_scope).toBe('sessions:read');

  await page.reload();
  await tab.key('Reporter').getByRole('link', { name: 'Edit key Reporter' }).click();
  // The form opens at the key itself.
  await expect(tab.key('Reporter').getByRole('heading', { name: 'Edit “Reporter”' })).toBeVisible();
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

test('a copy the browser refuses is not reported as done, and says to copy by hand @js', async ({ page }, testInfo) => {
  // A browser that refuses the clipboard (a permission denied, a page without focus).
  await page.addInitScript(() => {
    navigator.clipboard.writeText = () => Promise.reject(new DOMException('denied', 'NotAllowedError'));
  });
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const tab = new ApiKeysTab(page);
  await tab.open();
  await tab.generate('Refused copy', ['profile:read']);
  await page.getByRole('button', { name: 'Copy key' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Could not copy: select the text and copy it yourself.' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copy key' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Copied' })).toHaveCount(0);
  await expectAccessible(page);
});

test('the confirmation counts down, and when it runs out nothing typed is hidden or lost @js', async ({ page }, testInfo) => {
  // The browser's clock is faked so ten minutes pass at once; the server keeps real time.
  await page.clock.install();
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const tab = new ApiKeysTab(page);
  await tab.open();
  await tab.generate('First', ['profile:read']);
  const window = page.getByRole('status').filter({ hasText: 'Identity confirmed' });
  await expect(window).toHaveText('Identity confirmed: changes here need no password for the next 10 minutes.');
  await tab.startNew();
  await page.getByLabel('Name').fill('Half typed');
  await tab.scope('sessions:read').check();

  // It counts down ...
  await page.clock.fastForward('04:00');
  await expect(window).toContainText('for the next 6 minutes');
  // ... and when it ends, the page says the next change asks again; the form stays as typed.
  await page.clock.fastForward('06:01');
  await expect(page.getByRole('status').filter({ hasText: 'Your confirmation has ended' })).toBeVisible();
  await expect(window).toBeHidden();
  await expect(page.getByRole('button', { name: 'Generate key' })).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveValue('Half typed');
  await expect(tab.scope('sessions:read')).toBeChecked();
  await expectAccessible(page);
});

test('the password is asked at the button: Cancel sends nothing and keeps the input, a wrong one is explained, the right one sends the form as typed @js', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const tab = new ApiKeysTab(page);
  await tab.open();
  await tab.startNew();
  await page.getByLabel('Name').fill('Half typed');
  await tab.scope('sessions:read').check();
  const generate = page.getByRole('button', { name: 'Generate key' });
  const dialog = page.getByRole('dialog', { name: 'Confirm it is you' });

  await generate.click();
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('You will not be asked again for 10 minutes.');
  await expect(dialog.getByLabel('Current password')).toBeFocused();
  await expectAccessible(page);
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(generate).toBeFocused();
  await expect(page.getByLabel('Name')).toHaveValue('Half typed');
  await expect(page.getByText('No keys yet.')).toBeVisible();

  await generate.click();
  await dialog.getByLabel('Current password').fill('not my password');
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(dialog.getByLabel('Current password')).toHaveAccessibleDescription('That is not your current password.');
  await expectAccessible(page);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText('No keys yet.')).toBeVisible();

  await generate.click();
  await expect(dialog.getByLabel('Current password')).toHaveValue('');
  await dialog.getByLabel('Current password').fill(PASSWORD);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(tab.newKey()).toContainText('Half typed');
  await expect(tab.key('Half typed')).toContainText('sessions:read');
  await expect(page.getByRole('status').filter({ hasText: 'Identity confirmed' })).toBeVisible();
});
