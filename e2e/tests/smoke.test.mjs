// The demo as a visitor uses it: find a school in the directory, open its page, filter, export.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('search the directory and open a school page', async () => {
  // The service's Content-Security-Policy forbids inline scripts; axe is injected as one.
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(demo.url + '/');
  assert.match(await page.title(), /Aspire/);
  assert.deepEqual(await accessibilityProblems(page), []);

  await page.getByLabel('Find a school').fill('Alton Infant');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/\/schools\?q=Alton/);
  assert.match(await page.locator('.result-count').innerText(), /Showing 1 to \d+ of \d+ schools/);
  assert.deepEqual(await accessibilityProblems(page), []);

  await page.getByRole('link', { name: 'Alton Infant School' }).click();
  await page.waitForURL(/\/schools\/115850$/);
  assert.equal(await page.locator('h1').innerText(), 'Alton Infant School');
  assert.match(await page.locator('body').innerText(), /Ofsted inspections/);
  assert.match(await page.locator('body').innerText(), /Latitude 51\.1\d+, longitude -0\.9\d+/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});

test('the Content-Security-Policy blocks inline script', async () => {
  const page = await browser.newPage();
  await page.goto(demo.url + '/');
  await assert.rejects(page.addScriptTag({ content: 'window.injected = 1' }), /Content Security Policy/);
  await page.close();
});

test('a converted academy shows its predecessor and the inspection under it', async () => {
  const page = await browser.newPage();
  await page.goto(demo.url + '/schools/142175');
  const text = await page.locator('body').innerText();
  assert.match(text, /Blackpool Gateway Academy/);
  assert.match(text, /Predecessor\s+137359/);
  assert.match(text, /predecessor: Westcliff Primary Academy/);
  assert.match(text, /Key stage 2 results/);
  await page.getByRole('link', { name: '137359' }).first().click();
  await page.waitForURL(/\/schools\/137359$/);
  assert.match(await page.locator('body').innerText(), /Successor\s+142175/);
  await page.close();
});

test('filters work without JavaScript and the CSV export matches the result', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(demo.url + '/schools');
  await page.selectOption('#la', '890');
  await page.selectOption('#ofsted', '3');
  await page.getByRole('button', { name: 'Search' }).click();
  await page.waitForURL(/la=890/);
  const count = await page.locator('.result-count').innerText();
  const m = count.match(/of ([\d,]+) schools/);
  assert.ok(m, count);
  const total = Number(m[1].replace(/,/g, ''));
  assert.ok(total > 0);
  const href = await page.getByRole('link', { name: /Download all/ }).getAttribute('href');
  const res = await context.request.get(demo.url + href);
  assert.equal(res.status(), 200);
  const lines = (await res.text()).trim().split('\n');
  assert.equal(lines.length - 1, total);
  assert.ok(lines.slice(1).every((l) => l.split(',').includes('890')));
  await context.close();
});
