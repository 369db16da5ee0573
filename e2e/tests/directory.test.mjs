// The directory as a visitor pages, sorts and searches it, and a school's KS2 trends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

const count = async (page) => (await page.locator('.result-count').innerText()).match(/of ([\d,]+) schools/)?.[1];

test('sort by a column heading, then page on with the order kept', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(demo.url + '/schools?la=850');
  await page.getByRole('link', { name: /^Pupils/ }).click();
  await page.waitForURL(/sort=pupils/);
  await page.getByRole('link', { name: /^Pupils/ }).click();
  await page.waitForURL(/order=desc/);
  assert.equal(await page.locator('th[aria-sort="descending"]').count(), 1);
  const pupils = async () =>
    (await page.locator('tbody td.num').allInnerTexts()).map((t) => Number(t.replace(/,/g, ''))).filter((n) => n > 0);
  const first = await pupils();
  assert.ok(first.length > 10 && first.every((n, i) => i === 0 || first[i - 1] >= n), `largest first: ${first}`);
  assert.deepEqual(await accessibilityProblems(page), []);

  await page.getByRole('link', { name: 'Page 2', exact: true }).click();
  await page.waitForURL(/page=2/);
  assert.match(page.url(), /la=850/);
  assert.match(page.url(), /sort=pupils/);
  assert.equal(await page.locator('[aria-current="page"]').innerText(), '2');
  const second = await pupils();
  assert.ok(second[0] <= first[first.length - 1], 'page 2 continues page 1');
  await context.close();
});

test('a page after the last says so and shows the last', async () => {
  const page = await browser.newPage();
  await page.goto(demo.url + '/schools?la=850&page=49');
  const text = await page.locator('main').innerText();
  assert.match(text, /There is no page 49: these schools fill \d+ pages/);
  const [, from, to] = text.match(/Showing (\d+) to (\d+)/);
  assert.ok(Number(from) <= Number(to), `never "Showing ${from} to ${to}"`);
  await page.getByRole('link', { name: /^page \d+$/ }).click();
  assert.equal(await page.locator('[aria-current="page"]').count(), 1);
  await page.close();
});

test('punctuation does not change what a search finds', async () => {
  const page = await browser.newPage();
  const counts = [];
  for (const q of ["St Mary's", 'St Marys', "st. mary’s"]) {
    await page.goto(demo.url + '/schools?q=' + encodeURIComponent(q));
    counts.push(await count(page));
  }
  assert.ok(counts[0], 'some schools found');
  assert.deepEqual(counts, [counts[0], counts[0], counts[0]]);
  await page.close();
});

test("a school's KS2 results are trends with charts that have text equivalents", async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await page.goto(demo.url + '/schools/115851');
  const chart = page.locator('#ks2 ~ figure svg[role="img"]').first();
  await chart.waitFor();
  assert.match(await chart.locator('desc').textContent(), /This school: .*England: /);
  assert.match(await page.locator('main').innerText(), /England's figure: /);
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();
});
