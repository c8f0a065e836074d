import { test, expect, PASSWORD, uniqueEmail, expectAccessible, jsEnabled, ready } from './fixtures';
import { AuthPages, ProfileTab, SessionsTab, pressConfirming } from './pages';

test('ending another session sends that browser to sign-in on its next click', async ({ page, browser }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/signup');
  await new AuthPages(page).signUp(email, PASSWORD);
  await new ProfileTab(page).expectLoaded();

  // A second browser (its own cookies) signs in to the same account.
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto('/signin');
  await new AuthPages(other).signIn(email, PASSWORD);
  await new ProfileTab(other).expectLoaded();

  const sessions = new SessionsTab(page);
  await sessions.open();
  await expect(sessions.active()).toHaveCount(2);
  await expect(sessions.active().first()).toContainText('This device');
  await expect(sessions.active().nth(1)).not.toContainText('This device');
  await expect(sessions.active().first()).toContainText('UTC');
  await expectAccessible(page);

  // Nothing asks for the password up front: ending asks for it when pressed.
  await expect(page.getByRole('main').getByLabel('Current password')).toHaveCount(0);
  await pressConfirming(page, () => page.getByRole('button', { name: /^End session/ }).click());
  if (!jsEnabled()) {
    await expect(page).toHaveURL(/\/settings\/sessions$/);
  }
  await expect(sessions.active()).toHaveCount(1);
  await expect(page.getByText('You are signed in on this device only.')).toBeVisible();
  await page.reload();
  await expect(sessions.ended().first()).toContainText('Ended by you');

  // The other browser's very next click lands on sign-in.
  await other.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Sessions' }).click();
  await expect(other).toHaveURL(/\/signin\?next=%2Fsettings%2Fsessions$/);
  await expect(other.getByRole('status')).toContainText('this browser is not signed in (or its session has ended)');
  await otherContext.close();
});

test('ending all other sessions keeps this one', async ({ page, browser }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/signup');
  await new AuthPages(page).signUp(email, PASSWORD);
  await new ProfileTab(page).expectLoaded();
  const others = [];
  for (let i = 0; i < 2; i++) {
    const context = await browser.newContext();
    const other = await context.newPage();
    await other.goto('/signin');
    await new AuthPages(other).signIn(email, PASSWORD);
    await new ProfileTab(other).expectLoaded();
    others.push({ context, other });
  }

  const sessions = new SessionsTab(page);
  await sessions.open();
  await expect(sessions.active()).toHaveCount(3);
  // It asks first; Cancel ends nothing.
  await page.getByRole('link', { name: 'End all other sessions' }).click();
  const ask = page.getByRole('group', { name: 'End all 2 other sessions?' });
  await expect(ask).toContainText('this one stays signed in');
  await expectAccessible(page);
  await ask.getByRole('link', { name: 'Cancel' }).click();
  await expect(ask).toHaveCount(0);
  await expect(sessions.active()).toHaveCount(3);
  await page.getByRole('link', { name: 'End all other sessions' }).click();
  await ready(page);
  await pressConfirming(page, () =>
    page.getByRole('group', { name: 'End all 2 other sessions?' }).getByRole('button', { name: 'Yes, end them' }).click(),
  );
  await expect(sessions.active()).toHaveCount(1);
  await expect(sessions.active().first()).toContainText('This device');

  for (const { context, other } of others) {
    await other.reload();
    await expect(other).toHaveURL(/\/signin\?next=/);
    await context.close();
  }
  // This browser is still signed in.
  await page.goto('/settings/profile');
  await new ProfileTab(page).expectLoaded();
});

test('a wrong password does not open the door', async ({ page, browser }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/signup');
  await new AuthPages(page).signUp(email, PASSWORD);
  await new ProfileTab(page).expectLoaded();
  const otherContext = await browser.newContext();
  const other = await otherContext.newPage();
  await other.goto('/signin');
  await new AuthPages(other).signIn(email, PASSWORD);
  // The other session exists once its sign-in has landed.
  await new ProfileTab(other).expectLoaded();
  const sessions = new SessionsTab(page);
  await sessions.open();
  await page.getByRole('button', { name: /^End session/ }).click();
  // The dialog with JavaScript, the step inside the form without: the same field either way.
  const ask = jsEnabled() ? page.getByRole('dialog', { name: 'Confirm it is you' }) : page.getByRole('group', { name: 'Confirm it is you' });
  await ask.getByLabel('Current password').fill('not my password');
  if (jsEnabled()) await ask.getByRole('button', { name: 'Confirm' }).click();
  else await page.getByRole('button', { name: /^End session/ }).click();
  await expect(ask.getByLabel('Current password')).toHaveAccessibleDescription('That is not your current password.');
  await expectAccessible(page);
  await page.goto('/settings/sessions');
  await expect(sessions.active()).toHaveCount(2);
  await otherContext.close();
});
