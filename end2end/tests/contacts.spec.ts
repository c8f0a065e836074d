import { test, expect, uniqueEmail, expectAccessible, ready, waitForMail } from './fixtures';
import { AuthPages, ProfileTab } from './pages';

test('a second e-mail address is verified through the link sent to it', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  const second = email.replace('@', '.work@');
  await new AuthPages(page).createAccount(email);
  await new ProfileTab(page).expectLoaded();
  const emails = page.getByRole('region', { name: 'E-mail addresses' });
  await emails.getByLabel('New e-mail address').fill(second);
  await emails.getByRole('button', { name: 'Add address' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'We sent a link' })).toBeVisible();
  const list = page.getByRole('list', { name: 'Your e-mail addresses' });
  await expect(list.getByRole('listitem').filter({ hasText: second })).toContainText('Not verified');
  await expectAccessible(page);

  // Quoted-printable writes "=" as "=3D".
  const mail = (await waitForMail(second, 'Confirm your e-mail address')).replace(/=3D/g, '=');
  const link = mail.match(/https?:\/\/[^\s"<]+\/verify-email\?token=[A-Za-z0-9_-]+/)![0];
  await page.goto(new URL(link).pathname + new URL(link).search);
  await ready(page);
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Verify address' }).click();
  await expect(page.getByRole('status')).toContainText('the address is verified');

  await page.goto('/settings/profile#emails');
  await expect(list.getByRole('listitem').filter({ hasText: second })).toContainText('Verified');
  await expect(list.getByRole('listitem').filter({ hasText: second })).not.toContainText('Not verified');
});
