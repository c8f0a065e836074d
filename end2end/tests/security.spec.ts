import { test, expect, PASSWORD, uniqueEmail, expectAccessible, jsEnabled, waitForMail } from './fixtures';
import { AuthPages, ProfileTab, SecurityTab } from './pages';

const NEW_PASSWORD = 'another quite unusual passphrase';

test('changing the password signs in with the new one and shows in the security log', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  const auth = new AuthPages(page);
  await auth.createAccount(email);

  const security = new SecurityTab(page);
  await security.open();
  await expectAccessible(page);

  // A wrong current password is explained next to its field.
  await security.changePassword('not my password', NEW_PASSWORD);
  await expect(security.passwordForm().getByLabel('Current password')).toHaveAccessibleDescription('That is not your current password.');
  await expectAccessible(page);

  await security.changePassword(PASSWORD, NEW_PASSWORD);
  // The change also opened the confirmation window, whose own status line says so.
  await expect(page.getByRole('status').filter({ hasText: 'Your password was changed' })).toHaveText(
    'Your password was changed. Your other sessions were signed out.',
  );
  const mail = await waitForMail(email, 'password of your Profile Center account was changed');
  expect(mail).toContain('Subject: Your Profile Center password was changed');
  expect(mail, 'the advice to reset links to where that starts').toContain('/forgot-password');
  const log = security.log();
  await expect(log.getByRole('row').nth(1)).toContainText('Password changed');
  await expect(log.getByRole('row').nth(1)).toContainText('Success');
  await expect(log).toContainText('wrong current password');
  await expectAccessible(page);

  await auth.signOut();
  await auth.signIn(email, PASSWORD);
  await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
  await page.goto('/signin');
  await auth.signIn(email, NEW_PASSWORD);
  await new ProfileTab(page).expectLoaded();
});

test('the new password gets a strength hint while typing @js', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const security = new SecurityTab(page);
  await security.open();
  const field = page.getByLabel('New password', { exact: true });
  await field.pressSequentially('abc');
  await expect(page.getByText('Too short: use at least 8 characters.')).toBeVisible();
  await field.fill('');
  await field.pressSequentially('password1');
  await expect(page.getByText('Too common: easy to guess.')).toBeVisible();
  await field.pressSequentially(' and a much longer tail');
  await expect(page.getByText('Strength: strong.')).toBeVisible();
});

test('the security log downloads as CSV', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const security = new SecurityTab(page);
  await security.open();
  const link = page.getByRole('link', { name: 'Download as CSV' });
  const response = await page.request.get((await link.getAttribute('href'))!);
  expect(response.status()).toBe(200);
  expect(response.headers()['content-disposition']).toContain('security-log.csv');
  expect(await response.text()).toMatch(/^time_utc,event,outcome,ip,device,detail\r\n/);
  if (!jsEnabled()) {
    // Without JavaScript the page is plain HTML and still complete.
    await expect(security.log()).toBeVisible();
  }
});
