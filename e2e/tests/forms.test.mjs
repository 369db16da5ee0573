// The form pattern: a form sent with mistakes comes back with every problem in a summary whose
// links go to the fields, the message beside each field, what was typed kept, and "Error: "
// before the page title.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('creating a programme with mistakes shows every problem and keeps what was typed', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'admin');
  await page.goto(demo.url + '/programmes');
  // A template but no start date, and no name: two problems at once.
  await page.getByLabel('Template').selectOption('tlif-2017');
  await page.getByLabel('Ends').fill('2019-07-31');
  await page.getByRole('button', { name: 'Create programme' }).click();
  assert.match(await page.title(), /^Error: Programmes/);
  const summary = page.locator('[data-error-summary]');
  const links = await summary.getByRole('link').allInnerTexts();
  assert.deepEqual(links, ['Enter a name for the programme', 'Enter the start date: a programme made from a template needs one']);
  // Each message is also beside its field, which says it is invalid.
  assert.match(await page.locator('#name-error').innerText(), /Enter a name/);
  assert.equal(await page.locator('#starts_on').getAttribute('aria-invalid'), 'true');
  // What was typed is kept.
  assert.equal(await page.getByLabel('Template').inputValue(), 'tlif-2017');
  assert.equal(await page.getByLabel('Ends').inputValue(), '2019-07-31');
  // The summary's link takes you to the field.
  await summary.getByRole('link', { name: /start date/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 'starts_on');
  assert.deepEqual(await accessibilityProblems(page), []);
  // Corrected, it is created.
  await page.getByLabel('Name').fill('Form test programme');
  await page.getByLabel('Starts').fill('2018-09-01');
  await page.getByRole('button', { name: 'Create programme' }).click();
  await page.waitForURL(/\/programmes\/\d+$/);
  assert.match(await page.locator('h1').innerText(), /Form test programme/);
  await context.close();
});
