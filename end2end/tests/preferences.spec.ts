import { test, expect, uniqueEmail, expectAccessible, ready } from './fixtures';
import { AuthPages, PreferencesTab, SessionsTab } from './pages';

test('a far time zone, 12-hour US dates and the dark theme show on the sessions list', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const sessions = new SessionsTab(page);
  await sessions.open();
  await expect(sessions.active().first()).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);

  const prefs = new PreferencesTab(page);
  await prefs.open();
  await expectAccessible(page);
  await prefs.timeZone().fill('Pacific/Chatham');
  await page.getByLabel('Date format').selectOption('us');
  await page.getByLabel('Time format').selectOption('12h');
  await page.getByLabel('Theme').selectOption('dark');
  await prefs.save().click();
  await expect(page.getByRole('status').filter({ hasText: 'Preferences saved.' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expectAccessible(page);

  await sessions.open();
  await expect(sessions.active().first()).toContainText(/\d{2}\/\d{2}\/\d{4} \d{1,2}:\d{2} (AM|PM) \+1[23]45/);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expectAccessible(page);
});

test.describe('a device in Tokyo', () => {
  test.use({ timezoneId: 'Asia/Tokyo' });

  test('until a zone is chosen, times show in the device\'s zone @js', async ({ page, context }, testInfo) => {
    await new AuthPages(page).createAccount(uniqueEmail(testInfo));
    // The page asks a worker for the zone and keeps it in a cookie for the server.
    await expect.poll(async () => (await context.cookies()).find((c) => c.name === 'pc_tz')?.value).toBe('Asia/Tokyo');
    const sessions = new SessionsTab(page);
    await sessions.open();
    await expect(sessions.active().first()).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST/);
    await expectAccessible(page);
  });
});

test('an unknown time zone gets a field error and changes nothing', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const prefs = new PreferencesTab(page);
  await prefs.open();
  await prefs.timeZone().fill('Mars/Olympus_Mons');
  await page.getByLabel('Theme').selectOption('light');
  await prefs.save().click();
  await expect(page.getByText('Choose a time zone from the list')).toBeVisible();
  await expect(prefs.timeZone()).toHaveAttribute('aria-invalid', 'true');
  await expectAccessible(page);
  await page.goto('/settings/preferences');
  await ready(page);
  await expect(prefs.timeZone()).not.toHaveValue('Mars/Olympus_Mons');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'system');
});

test('German, 24-hour, dark and a far time zone change the sessions list at once', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const prefs = new PreferencesTab(page);
  await prefs.open();
  await prefs.timeZone().fill('Pacific/Kiritimati');
  await page.getByLabel('Time format').selectOption('24h');
  await page.getByLabel('Theme').selectOption('dark');
  await page.getByLabel('Language').selectOption('de');
  await prefs.save().click();

  // The page comes back in German, dark, from the first byte.
  await expect(page.getByRole('status').filter({ hasText: 'Einstellungen gespeichert.' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByLabel('Sprache')).toHaveValue('de');
  await expectAccessible(page);

  await page.getByRole('navigation', { name: 'Einstellungen' }).getByRole('link', { name: 'Sitzungen' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sitzungen' })).toBeVisible();
  const active = page.getByRole('region', { name: 'Aktive Sitzungen' }).getByRole('listitem');
  await expect(active.first()).toContainText('Dieses Gerät');
  await expect(active.first()).toContainText(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} \+14/);
  await expect(active.first()).not.toContainText(/AM|PM|UTC/);
  await expect(page.getByRole('button', { name: 'Abmelden', includeHidden: true })).toBeAttached();
  await expectAccessible(page);

  // Errors speak German too, in place (JavaScript) and after a plain post.
  await page.getByRole('navigation', { name: 'Einstellungen' }).getByRole('link', { name: 'Darstellung' }).click();
  await ready(page);
  await page.getByRole('combobox', { name: 'Zeitzone' }).fill('Mars/Olympus_Mons');
  await page.getByRole('button', { name: 'Einstellungen speichern' }).click();
  await expect(page.getByRole('alert')).toHaveText('Bitte korrigieren Sie die unten markierten Felder.');
  await expect(page.getByText('Wählen Sie eine Zeitzone aus der Liste, etwa Europe/Berlin.')).toBeVisible();
  await expectAccessible(page);
});

test.describe('with a browser set to German', () => {
  test.use({ locale: 'de-DE' });

  test('signed-out pages follow the browser language', async ({ page }) => {
    await page.goto('/signin');
    await expect(page.locator('html')).toHaveAttribute('lang', 'de');
    await expect(page.getByRole('heading', { level: 1, name: 'Bei Profile Center anmelden' })).toBeVisible();
    await expect(page.getByRole('link', { name: 'Ein Konto erstellen' })).toBeVisible();
    await expectAccessible(page);
  });
});
