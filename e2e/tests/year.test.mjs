// The programme year as the team and a head teacher use it: the team plans the demo's last
// network (shown first, then saved); the days, filtered by network and term; a move onto a
// weekend refused on its row; a day cancelled with its reason; the head reads their network's
// days and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('the team filters the year, is told why a move is refused and cancels a day; a head reads theirs', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'programme.admin');
  await page.goto(demo.url + '/programmes');
  await page.getByRole('link', { name: 'Demo programme (illustration)' }).click();
  await page.waitForURL(/\/programmes\/\d+$/);
  await page.getByTestId('year-link').click();
  await page.waitForURL(/\/year$/);
  const yearUrl = page.url();
  const before = Number(/of (\d+) days/.exec(await page.getByTestId('year-count').innerText())[1]);

  // The demo's fourth network waits for its year: shown first, nothing saved, then saved.
  assert.match(await page.getByTestId('plan-state').innerText(), /Not planned yet: Bradford 3/);
  await page.getByRole('button', { name: 'Plan the year' }).click();
  assert.match(await page.getByTestId('plan-shown').innerText(), /The plan has 30 days .* Nothing is saved yet/s);
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByRole('button', { name: 'Save this plan' }).click();
  await page.waitForURL(/#days$/);
  assert.match(await page.getByTestId('plan-state').innerText(), /has its days planned/);
  const count = await page.getByTestId('year-count').innerText();
  const total = Number(/of (\d+) days/.exec(count)[1]);
  assert.equal(total, before + 30, count);
  assert.deepEqual(await accessibilityProblems(page), []);

  // One network, one term: fewer rows, and the filters kept.
  await page.getByTestId('year-filters').getByLabel('Network', { exact: true }).selectOption({ index: 1 });
  await page.getByTestId('year-filters').getByLabel('Term', { exact: true }).selectOption({ label: 'Spring 2018' });
  await page.getByRole('button', { name: 'Show' }).click();
  await page.waitForURL(/term=2018-spring/);
  const rows = page.locator('[data-testid=year-days] tbody tr');
  assert.equal(await rows.count(), 10, 'two Network Days and four schools with two Development Days each');
  assert.match(await page.getByTestId('year-count').innerText(), new RegExp(`10 of ${total} days`));

  // A move onto a Saturday: refused on the row, the date kept, the summary linking to it.
  const first = rows.first();
  const id = (await first.getAttribute('id')).replace('day-', '');
  const date = await page.locator(`#to-${id}`).inputValue();
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + ((6 - d.getUTCDay() + 7) % 7 || 7));
  const saturday = d.toISOString().slice(0, 10);
  await page.locator(`#to-${id}`).fill(saturday);
  await first.getByRole('button', { name: 'Move' }).click();
  await page.waitForURL(/\/move$/);
  assert.match(await page.title(), /^Error: /);
  assert.match(await page.locator('.error-summary').innerText(), /weekend/);
  assert.equal(await page.locator(`#to-${id}`).inputValue(), saturday);
  assert.deepEqual(await accessibilityProblems(page), []);

  // Cancelled with its reason: the row stays, marked.
  await page.goto(yearUrl);
  await page.locator(`#cancel-${id}`).fill('The venue flooded');
  await page.locator(`#day-${id}`).getByRole('button', { name: 'Cancel the day' }).click();
  await page.waitForURL(new RegExp(`#day-${id}$`));
  assert.match(await page.locator(`#day-${id}`).innerText(), /cancelled\s+The venue flooded/);
  await context.close();

  // The head teacher reads the days of their network and has nothing to change.
  const headContext = await browser.newContext({ bypassCSP: true });
  const head = await headContext.newPage();
  await signIn(head, demo, 'head');
  await head.goto(yearUrl);
  const theirs = await head.getByTestId('year-count').innerText();
  assert.ok(Number(/of (\d+) days/.exec(theirs)[1]) < total, theirs);
  assert.equal(await head.getByRole('button', { name: 'Cancel the day' }).count(), 0);
  assert.equal(await head.getByRole('button', { name: 'Plan the year' }).count(), 0);
  assert.deepEqual(await accessibilityProblems(head), []);
  await headContext.close();
});

test('the year in figures: attendance and reach by term, network and school, with what each share is of', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'programme.admin');
  await page.goto(`${demo.url}/programmes/1/year`);
  await page.getByTestId('figures-link').click();
  await page.waitForURL(/\/figures$/);
  // The demo's first term: the two marked on the one roll taken both came; one school of the
  // programme's sixteen has a staff list, four of its ten reached (two from the roll).
  const autumn = page.getByTestId('figures-programme').locator('tr', { hasText: 'Autumn 2017' });
  assert.match(await autumn.innerText(), /Autumn 2017\s+2\s+2\s+100%\s+1 of 16\s+10\s+4\s+40%/);
  const network = page.getByTestId('figures-networks').locator('tr', { hasText: 'Autumn 2017' }).first();
  assert.match(await network.innerText(), /1 of 4\s+10\s+4\s+40%/);
  assert.match(await page.getByTestId('figures-people').innerText(), /Hannah Head\s+Devonshire Primary Academy\s+1\s+0\s+0\s+0\s+100%/);
  assert.deepEqual(await accessibilityProblems(page), []);
  // One network's schools: chosen from the list.
  await page.getByTestId('figures-network').getByLabel('Network').selectOption({ index: 1 });
  await page.getByRole('button', { name: 'Show', exact: true }).click();
  await page.waitForURL(/network=\d+/);
  const rows = await page.getByTestId('figures-schools').locator('tbody tr').count();
  assert.equal(rows, 4 * 3, 'four schools, three terms each');
  await context.close();

  // An evaluator reads the figures, never who came.
  const other = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } });
  const e = await other.newPage();
  await signIn(e, demo, 'evaluator');
  await e.goto(`${demo.url}/programmes/1/figures`);
  assert.equal(await e.getByTestId('figures-people').count(), 0);
  const wide = await e.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the figures fit a phone's width (${wide}px)`);
  await other.close();
});
