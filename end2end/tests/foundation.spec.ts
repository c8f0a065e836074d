import { test, expect, PASSWORD, uniqueEmail, expectAccessible, ready, jsEnabled } from './fixtures';
import { AuthPages, ProfileTab } from './pages';

test('a newcomer signs up, edits the profile, reloads, signs out and signs back in', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  const auth = new AuthPages(page);
  const profile = new ProfileTab(page);

  // A settings link sends a stranger to sign in, and from there to sign up.
  await page.goto('/settings/profile');
  await expect(page).toHaveURL(/\/signin\?next=%2Fsettings%2Fprofile$/);
  await expect(page.getByRole('status')).toContainText('Sign in to continue');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Create your account' })).toBeVisible();
  await auth.signUp(email, PASSWORD);

  await profile.expectLoaded();
  await expect(page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Profile' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByLabel('Email')).toHaveValue(email);
  await expect(profile.firstName()).toHaveValue('Ada');
  await expectAccessible(page);

  await profile.firstName().fill('Grace');
  await profile.lastName().fill('Hopper');
  await profile.jobFunction().selectOption({ label: 'DevOps / SRE' });
  await profile.phone().fill('+44 20 7946 0958');
  await profile.dashboard().selectOption({ label: 'Budgets' });
  await profile.save().click();
  await expect(page.getByRole('status')).toHaveText('Your profile was saved.');
  // Stored as E.164 and shown that way.
  await expect(profile.phone()).toHaveValue('+442079460958');
  await expectAccessible(page);

  await page.reload();
  await profile.expectLoaded();
  await expect(profile.firstName()).toHaveValue('Grace');
  await expect(profile.lastName()).toHaveValue('Hopper');
  await expect(profile.jobFunction()).toHaveValue('devops_sre');
  await expect(profile.phone()).toHaveValue('+442079460958');
  await expect(profile.dashboard()).toHaveValue('budgets');
  await expect(page.getByLabel(/^Account menu for Grace Hopper$/)).toBeVisible();

  await auth.signOut();
  // Signed out for real: settings are closed again.
  await page.goto('/settings/profile');
  await expect(page).toHaveURL(/\/signin\?next=/);

  await auth.signIn(email, PASSWORD);
  await profile.expectLoaded();
  await expect(profile.firstName()).toHaveValue('Grace');
});

test('invalid profile input is explained next to its field and nothing is saved', async ({ page }, testInfo) => {
  const auth = new AuthPages(page);
  const profile = new ProfileTab(page);
  await page.goto('/signup');
  await auth.signUp(uniqueEmail(testInfo), PASSWORD);
  await profile.expectLoaded();

  await profile.firstName().fill('   ');
  await profile.phone().fill('030 1234567');
  await profile.save().click();

  await expect(page.getByRole('alert')).toContainText('Please correct the fields marked below.');
  await expect(profile.firstName()).toHaveAttribute('aria-invalid', 'true');
  await expect(profile.firstName()).toHaveAccessibleDescription('This field is required.');
  await expect(profile.phone()).toHaveAccessibleDescription(/International format.*Use the international format/);
  if (jsEnabled()) {
    // Shown in place: no reload, no error in the address bar.
    expect(page.url()).not.toContain('__err');
  }
  await expectAccessible(page);

  await page.goto('/settings/profile');
  await expect(profile.firstName()).toHaveValue('Ada');
  await expect(profile.phone()).toHaveValue('');
});

test('a stale form in a second tab gets a conflict instead of overwriting', async ({ page, context }, testInfo) => {
  const auth = new AuthPages(page);
  await page.goto('/signup');
  await auth.signUp(uniqueEmail(testInfo), PASSWORD);
  const first = new ProfileTab(page);
  await first.expectLoaded();

  const other = await context.newPage();
  await other.goto('/settings/profile');
  const second = new ProfileTab(other);
  await second.expectLoaded();

  await first.lastName().fill('Saved-First');
  await first.save().click();
  await expect(page.getByRole('status')).toHaveText('Your profile was saved.');

  await second.lastName().fill('Stale-Second');
  await second.save().click();
  await expect(other.getByRole('alert')).toContainText('changed somewhere else');

  await other.goto('/settings/profile');
  await expect(second.lastName()).toHaveValue('Saved-First');
});

test('a wrong password and an unknown email get the same message', async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);
  const auth = new AuthPages(page);
  await page.goto('/signup');
  await auth.signUp(email, PASSWORD);
  await new ProfileTab(page).expectLoaded();
  await auth.signOut();

  await auth.signIn(email, 'not the right password');
  await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
  await expectAccessible(page);

  await page.goto('/signin');
  await auth.signIn(`nobody-${email}`, 'not the right password');
  await expect(page.getByRole('alert')).toHaveText('Incorrect email or password.');
});

test('the sign-up form explains what is wrong with each field', async ({ page }) => {
  await page.goto('/signup');
  await ready(page);
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('password1');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByLabel('Email')).toHaveAccessibleDescription('Enter an email address like name@example.com.');
  await expect(page.getByLabel('First name')).toHaveAccessibleDescription('This field is required.');
  await expect(page.getByLabel('Password')).toHaveAccessibleDescription(/too common/);
  await expectAccessible(page);
});

test('the sign-up password gets the same strength hint while typing @js', async ({ page }) => {
  await page.goto('/signup');
  await ready(page);
  await page.getByLabel('Password').pressSequentially('password1');
  await expect(page.getByText('Too common: easy to guess.')).toBeVisible();
  await page.getByLabel('Password').pressSequentially(' and a much longer tail');
  await expect(page.getByText('Strength: strong.')).toBeVisible();
});

test('every control can be reached with the keyboard and shows its focus @desktop', async ({ page }) => {
  await page.goto('/signin');
  await ready(page);
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Email')).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Password')).toBeFocused();
  await page.keyboard.press('Tab');
  const button = page.getByRole('button', { name: 'Sign in' });
  await expect(button).toBeFocused();
  const outline = await button.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).toBe('solid');
});

test('the site files are served precompressed and cached for a year under hashed names', async ({ page, request }) => {
  await page.goto('/signin');
  // The stylesheet's link, and the JS glue and WASM the islands' loader fetches.
  const css = await page.locator('link[rel="stylesheet"]').evaluateAll((links) => links.map((l) => l.getAttribute('href')!));
  const code = await page.locator('script[data-wasm]').evaluate((s) => [s.dataset.js!, s.dataset.wasm!]);
  const hrefs = [...css, ...code];
  expect(hrefs).toHaveLength(3);
  for (const href of hrefs) {
    expect(href).toMatch(/^\/pkg\/profile-center\.[A-Za-z0-9_-]{22}(_bg)?\.(css|js|wasm)$/);
    const res = await request.get(href, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.status()).toBe(200);
    expect(res.headers()['content-encoding']).toBe('br');
    expect(res.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  }
});

test('the save button shows that it is working while the request runs @js', async ({ page }, testInfo) => {
  const auth = new AuthPages(page);
  const profile = new ProfileTab(page);
  await page.goto('/signup');
  await auth.signUp(uniqueEmail(testInfo), PASSWORD);
  await profile.expectLoaded();
  // Hold the save request until the pending state has been seen.
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  await page.route('**/api/update_profile', async (route) => {
    await held;
    await route.continue();
  });
  await profile.firstName().fill('Grace');
  await profile.save().click();
  const busy = page.getByRole('button', { name: 'Saving…' });
  await expect(busy).toBeDisabled();
  await expect(busy).toHaveAttribute('aria-busy', 'true');
  release();
  await expect(page.getByRole('status')).toHaveText('Your profile was saved.');
  await expect(page.getByRole('button', { name: 'Save' })).toBeEnabled();
});
