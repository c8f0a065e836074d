import { test, expect, uniqueEmail, expectAccessible, ready, waitForMail, mailCount, submitAndWaitForLoad, PASSWORD } from './fixtures';
import { AuthPages, ProfileTab, pressConfirming } from './pages';

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

test('a link can be sent again; a verified address becomes primary; the old one is told and removed', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  const second = email.replace('@', '.work@');
  const third = email.replace('@', '.old@');
  await new AuthPages(page).createAccount(email);
  await new ProfileTab(page).expectLoaded();
  const emails = page.getByRole('region', { name: 'E-mail addresses' });
  const list = page.getByRole('list', { name: 'Your e-mail addresses' });
  for (const address of [second, third]) {
    await emails.getByLabel('New e-mail address').fill(address);
    await emails.getByRole('button', { name: 'Add address' }).click();
    await expect(list.getByRole('listitem').filter({ hasText: address })).toBeVisible();
    await ready(page);
  }

  // Send the link again: a second link arrives.
  await waitForMail(third, 'Confirm your e-mail address');
  // The add above left the same "We sent a link" status on the page: wait for this post's load.
  await submitAndWaitForLoad(page, list.getByRole('button', { name: `Send link again: ${third}` }));
  await expect(page.getByRole('status').filter({ hasText: 'We sent a link' })).toBeVisible();
  await expect.poll(() => mailCount(third, 'Confirm your e-mail address')).toBe(2);

  // Verify the second address, then make it primary (after confirming the password if asked).
  const mail = (await waitForMail(second, 'Confirm your e-mail address')).replace(/=3D/g, '=');
  const link = new URL(mail.match(/https?:\/\/[^\s"<]+\/verify-email\?token=[A-Za-z0-9_-]+/)![0]);
  await page.goto(link.pathname + link.search);
  await ready(page);
  await page.getByRole('button', { name: 'Verify address' }).click();
  await expect(page.getByRole('status')).toContainText('the address is verified');
  await page.goto('/settings/profile#emails');
  await ready(page);
  await pressConfirming(page, () => list.getByRole('button', { name: `Make primary: ${second}` }).click());
  await expect(page.getByRole('status').filter({ hasText: 'Primary address changed' })).toBeVisible();
  await expect(list.getByRole('listitem').first()).toContainText(second);
  await expect(list.getByRole('listitem').first()).toContainText('Primary');
  await waitForMail(email, 'primary e-mail address was changed');
  await expectAccessible(page);

  // The old primary is now an ordinary address, and can be removed.
  await ready(page);
  await list.getByRole('button', { name: `Remove: ${email}` }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Address removed.' })).toBeVisible();
  await expect(list.getByRole('listitem')).toHaveCount(2);
});
