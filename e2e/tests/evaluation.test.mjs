// An evaluator opens the demo cohort's report and downloads its CSV.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('open a cohort report and download its CSV', async () => {
  const context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, demo, 'evaluator');
  await page.goto(demo.url + '/evaluation');
  await page.getByRole('link', { name: /Eligible for TLIF/ }).click();
  await page.waitForURL(/\/evaluation\/\d+/);
  const text = await page.locator('main').innerText();
  assert.match(text, /Findings/);
  assert.match(text, /95% CI/);
  assert.match(text, /Methods/);
  assert.ok(await page.locator('figure.chart svg polyline').count() > 0, 'charts drawn');
  assert.deepEqual(await accessibilityProblems(page), []);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'CSV' }).click(),
  ]);
  const path = await download.path();
  const { readFileSync } = await import('node:fs');
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.match(lines[0], /^measure,comparison,cohort_change/);
  assert.ok(lines.length > 1);
  await context.close();
});
