import { test, expect, PASSWORD, uniqueEmail, expectAccessible, ready, waitForMail } from './fixtures';
import { AuthPages, ProfileTab, mailedLink } from './pages';

const NEW_PASSWORD = 'another long and unusual passphrase';

test('forgot password: a mailed link sets a new password, every session ends, and the link works once', async ({ page, browser }, testInfo) => {
  // Two sign-ups' worth of mail and two devices: longer than most flows.
  test.slow();
  const email = uniqueEmail(testInfo);
  const auth = new AuthPages(page);
  await auth.createAccount(email);
  await auth.signOut();
  // Another device that is still signed in with the old password.
  const laptop = await (await browser.newContext()).newPage();
  await laptop.goto('/signin');
  await new AuthPages(laptop).signIn(email, PASSWORD);
  await new ProfileTab(laptop).expectLoaded();

  await page.getByRole('link', { name: 'Forgot password?' }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Reset your password' })).toBeVisible();
  await ready(page);
  await expectAccessible(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expect(page.getByRole('status')).toContainText('within 30 minutes');
  await expectAccessible(page);

  const link = await mailedLink(email, '/reset-password');
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: 'Choose a new password' })).toBeVisible();
  await ready(page);
  await expectAccessible(page);
  await expect(page.getByLabel('Authentication code')).toHaveCount(0);
  // A common password is refused next to its field; nothing changes.
  await page.getByLabel('New password', { exact: true }).fill('password');
  await page.getByLabel('Confirm new password').fill('password');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await expect(page.getByLabel('New password', { exact: true })).toHaveAccessibleDescription(/too common/);
  await expectAccessible(page);
  await page.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set new password' }).click();

  await expect(page).toHaveURL(/\/signin\?reset=1$/);
  await expect(page.getByRole('status')).toHaveText('Your password was changed. Sign in with your new password.');
  await expectAccessible(page);
  await waitForMail(email, 'Your Profile Center password was reset');
  // The other device was signed out.
  await laptop.reload();
  await expect(laptop).toHaveURL(/\/signin/);
  await laptop.context().close();

  await auth.signIn(email, NEW_PASSWORD);
  await new ProfileTab(page).expectLoaded();

  // The link worked once.
  await auth.signOut();
  await page.goto(link);
  await expect(page.getByRole('alert')).toContainText('This link was already used or has expired.');
  await expect(page.getByRole('link', { name: 'Ask for a new link' })).toHaveAttribute('href', '/forgot-password');
  await expectAccessible(page);
});

test('forgot password: an unknown address gets the same answer, a malformed one a field error', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await page.goto('/forgot-password');
  await ready(page);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByRole('heading', { name: 'Check your inbox' })).toBeVisible();
  await expect(page).toHaveURL(/\/forgot-password\?sent=1$/);
  // A malformed address is a field error, in place.
  await page.getByRole('link', { name: 'Ask for a new link' }).click();
  await ready(page);
  await page.getByLabel('Email').fill('not an address');
  await page.getByRole('button', { name: 'Send link' }).click();
  await expect(page.getByLabel('Email')).toHaveAccessibleDescription(/name@example\.com/);
  await expectAccessible(page);
});
