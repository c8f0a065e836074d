import { test, expect, uniqueEmail, expectAccessible, ready, jsEnabled } from './fixtures';
import { AuthPages, ProfileTab } from './pages';
import { png } from './pictures';

test('a picture is uploaded, cropped, shown in the header, and removed again', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  const profile = new ProfileTab(page);
  await profile.expectLoaded();
  const section = page.getByRole('region', { name: 'Profile picture' });
  await expect(section.getByRole('img', { name: 'No picture: your initials are shown' })).toBeVisible();
  await expectAccessible(page);

  // Noise does not compress: about 1.4 MB, so the upload is visible while it runs.
  // The file field and the cropper open only when asked for.
  await expect(section.getByLabel('New picture')).toBeHidden();
  await section.locator('summary', { hasText: 'Upload a picture' }).click();
  await section.getByLabel('New picture').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(800, 600, true) });
  if (jsEnabled()) {
    const preview = section.getByRole('img', { name: 'Preview of the cropped picture' });
    await expect(preview).toBeVisible();
    const before = await preview.boundingBox();
    await section.getByLabel('Zoom (percent)').fill('200');
    await section.getByLabel('Left to right (percent)').fill('0');
    // The preview follows the sliders: twice as large, moved to the left edge.
    await expect.poll(async () => (await preview.boundingBox())!.width).toBeGreaterThan(before!.width * 1.8);
    // Hold the request a moment so the progress bar can be seen.
    await page.route('**/settings/avatar', async (route) => {
      await new Promise((r) => setTimeout(r, 1500));
      await route.continue();
    });
  } else {
    await section.getByLabel('Zoom (percent)').fill('200');
  }
  await section.getByRole('button', { name: 'Upload picture' }).click();
  if (jsEnabled()) {
    await expect(section.getByRole('progressbar', { name: 'Upload progress' })).toBeVisible();
    await expect(section.getByRole('button', { name: 'Uploading…' })).toBeDisabled();
  }
  await expect(page.getByRole('status').filter({ hasText: 'Your new picture was saved.' })).toBeVisible();
  const picture = section.getByRole('img', { name: 'Your profile picture' });
  await expect(section.locator('summary', { hasText: 'Change picture' })).toBeVisible();
  await expect(picture).toBeVisible();
  await expect.poll(() => picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(256);
  const headerPicture = page.getByRole('banner').locator('img.avatar');
  await expect.poll(() => headerPicture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(64);
  await expectAccessible(page);

  await ready(page);
  await section.getByRole('button', { name: 'Remove picture' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Your picture was removed' })).toBeVisible();
  await expect(section.getByRole('img', { name: 'No picture: your initials are shown' })).toBeVisible();
  await expect(page.getByRole('banner').locator('img.avatar')).toHaveCount(0);
});

test('an SVG is refused with a message beside the file field and changes nothing', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  await new ProfileTab(page).expectLoaded();
  const section = page.getByRole('region', { name: 'Profile picture' });
  const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>');
  await section.locator('summary', { hasText: 'Upload a picture' }).click();
  await section.getByLabel('New picture').setInputFiles({ name: 'logo.svg', mimeType: 'image/svg+xml', buffer: svg });
  await section.getByRole('button', { name: 'Upload picture' }).click();
  await expect(section.getByText('SVG drawings are not accepted')).toBeVisible();
  await expect(section.getByLabel('New picture')).toHaveAttribute('aria-invalid', 'true');
  await expect(section.getByRole('img', { name: 'No picture: your initials are shown' })).toBeVisible();
  await expectAccessible(page);
});

test('a file over 5 MB is refused before it is sent @js', async ({ page }, testInfo) => {
  await new AuthPages(page).createAccount(uniqueEmail(testInfo));
  await new ProfileTab(page).expectLoaded();
  const section = page.getByRole('region', { name: 'Profile picture' });
  let sent = false;
  await page.route('**/settings/avatar', (route) => {
    sent = true;
    return route.continue();
  });
  await section.locator('summary', { hasText: 'Upload a picture' }).click();
  await section.getByLabel('New picture').setInputFiles({ name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(6 * 1024 * 1024, 1) });
  await section.getByRole('button', { name: 'Upload picture' }).click();
  await expect(section.getByText('larger than 5 MB')).toBeVisible();
  expect(sent).toBe(false);
});
