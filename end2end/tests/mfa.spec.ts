import { generateSync } from 'otplib';
import { test, expect, PASSWORD, uniqueEmail, expectAccessible, waitForMail, jsEnabled } from './fixtures';
import { AuthPages, ProfileTab, SecurityTab, pressConfirming } from './pages';

/** Codes from an independent TOTP implementation (otplib), `steps` 30-second steps after `t0`. */
function codeAt(secret: string, t0: number, steps: number): string {
  return generateSync({ secret, epoch: t0 + steps * 30 });
}

test('two-factor sign-in: enrol from the manual key, sign in with a code, then with a recovery code', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  const auth = new AuthPages(page);
  await auth.createAccount(email);

  const security = new SecurityTab(page);
  await security.open();
  const section = page.getByRole('region', { name: 'Two-factor sign-in' });
  await pressConfirming(page, () => section.getByRole('button', { name: 'Set up an authenticator app' }).click());

  await expect(section.getByRole('img', { name: 'QR code for your authenticator app' })).toBeVisible();
  const key = (await section.locator('code.manual-key').innerText()).replace(/\s+/g, '');
  expect(key).toMatch(/^[A-Z2-7]{32}$/);
  await expectAccessible(page);

  const t0 = Math.floor(Date.now() / 1000);
  await section.getByLabel('Authentication code').fill(codeAt(key, t0, 0));
  await section.getByRole('button', { name: 'Turn on' }).click();

  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const recovery = await codes.allInnerTexts();
  await expect(section).toContainText('Recovery codes left: 10.');
  await waitForMail(email, 'two-factor sign-in with an authenticator app was turned on');
  await expect(page.getByRole('link', { name: 'Download as .txt' })).toHaveAttribute('download', 'profile-center-recovery-codes.txt');
  if (jsEnabled()) {
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await page.getByRole('button', { name: 'Copy codes' }).click();
    await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toContain(recovery[9].trim());
  } else {
    // Copying needs JavaScript, so without it the button is not offered.
    await expect(page.getByRole('button', { name: 'Copy codes' })).toHaveCount(0);
  }
  await expectAccessible(page);
  // Shown once: gone after a reload.
  await page.reload();
  await expect(page.getByRole('list', { name: 'Recovery codes' })).toHaveCount(0);

  // Sign in again: password, then the next code from the app.
  await auth.signOut();
  await auth.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/signin\/mfa\?next=/);
  await expect(page.getByRole('heading', { level: 1, name: 'Enter your authentication code' })).toBeVisible();
  await expectAccessible(page);
  await page.getByLabel('Authentication code').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByLabel('Authentication code')).toHaveAccessibleDescription(/That code is not valid\./);
  await page.getByLabel('Authentication code').fill(codeAt(key, t0, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await new ProfileTab(page).expectLoaded();

  // And with a recovery code, which then no longer counts.
  await auth.signOut();
  await auth.signIn(email, PASSWORD);
  await expect(page).toHaveURL(/\/signin\/mfa/);
  await page.getByLabel('Authentication code').fill(recovery[0].trim());
  await page.getByRole('button', { name: 'Verify' }).click();
  await new ProfileTab(page).expectLoaded();
  await security.open();
  await expect(page.getByRole('region', { name: 'Two-factor sign-in' })).toContainText('Recovery codes left: 9.');
  await expect(security.log()).toContainText('Recovery code used');
  await waitForMail(email, 'a recovery code was used to sign in');
});

test('recovery codes can be renewed and two-factor sign-in turned off', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  await new AuthPages(page).createAccount(email);
  const security = new SecurityTab(page);
  await security.open();
  const section = page.getByRole('region', { name: 'Two-factor sign-in' });
  await pressConfirming(page, () => section.getByRole('button', { name: 'Set up an authenticator app' }).click());
  await expect(section).toContainText('Identity confirmed: changes here need no password for the next 10 minutes.');
  const key = (await section.locator('code.manual-key').innerText()).replace(/\s+/g, '');
  const t0 = Math.floor(Date.now() / 1000);
  await section.getByLabel('Authentication code').fill(codeAt(key, t0, 0));
  await section.getByRole('button', { name: 'Turn on' }).click();
  const codes = page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const first = await codes.allInnerTexts();

  // New codes need a current code too: here one of the recovery codes.
  const renew = section.locator('form', { has: page.getByRole('button', { name: 'Make new recovery codes' }) });
  await renew.getByLabel('Authentication code').fill('000000');
  await renew.getByRole('button', { name: 'Make new recovery codes' }).click();
  await expect(renew.getByLabel('Authentication code')).toHaveAccessibleDescription(/That code is not valid/);
  await renew.getByLabel('Authentication code').fill(first[1].trim());
  await renew.getByRole('button', { name: 'Make new recovery codes' }).click();
  await expect(codes).toHaveCount(10);
  await expect(codes.first()).not.toHaveText(first[0]);
  await waitForMail(email, 'new recovery codes were made');
  await expectAccessible(page);

  // Turning off opens only when asked for.
  const turnOff = section.locator('form', { has: page.getByRole('button', { name: 'Turn off' }) });
  await expect(turnOff).toBeHidden();
  await section.locator('summary', { hasText: 'Turn off two-factor sign-in' }).click();
  await turnOff.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await turnOff.getByLabel('Authentication code').fill('000000');
  await turnOff.getByRole('button', { name: 'Turn off' }).click();
  await expect(turnOff.getByLabel('Authentication code')).toHaveAccessibleDescription(/That code is not valid/);
  await turnOff.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await turnOff.getByLabel('Authentication code').fill(codeAt(key, t0, 1));
  await turnOff.getByRole('button', { name: 'Turn off' }).click();
  await expect(section.getByRole('button', { name: 'Set up an authenticator app' })).toBeVisible();
  await expect(security.log()).toContainText('Two-factor sign-in turned off');
  await waitForMail(email, 'two-factor sign-in was turned off');
});
