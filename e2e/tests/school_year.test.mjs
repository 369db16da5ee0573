// The programme year as a school and its adviser live it, after the team planned it: the head
// finds their school from "Your week", nominates a lead and a substitute for a Network Day,
// adds staff and records the term's reach; the adviser opens that day from their week and
// takes its roll on a phone-sized screen, and the lead who came is then reached from the roll.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDemoAndBrowser, accessibilityProblems, signIn } from './helpers.mjs';

let demo;
let browser;
withDemoAndBrowser((d, b) => {
  demo = d;
  browser = b;
});

test('a head nominates a lead and a substitute and records reach; the adviser takes the roll', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'head');
  await page.getByRole('link', { name: 'Your week' }).click();
  await page.waitForURL(/\/week/);
  await page.getByTestId('week-schools').getByRole('link').first().click();
  await page.waitForURL(/\/schools\/\d+\/year$/);
  const yearUrl = page.url();
  assert.match(await page.getByTestId('next-steps').innerText(), /The Teaching & Learning and AfL Leads Network Day on .* has passed with your school's seats .* empty: if someone of yours went, nominate them/);
  assert.deepEqual(await accessibilityProblems(page), []);

  // The first T&L and AfL Network Day: the lead nominated, with a substitute.
  const day = page.locator('[data-testid=school-day]').filter({ hasText: 'Teaching & Learning and AfL Leads Network Day' }).first();
  const heading = await day.locator('h3').innerText();
  const date = await day.getAttribute('data-date');
  const seat = day.locator('[data-seat=teaching-learning-lead]');
  await seat.locator('select[name=person]').selectOption({ label: 'Tom Teaching' });
  await seat.locator('select[name=substitute]').selectOption({ label: 'Aisha Assessment' });
  await seat.getByRole('button', { name: 'Nominate' }).click();
  await page.waitForURL(/done=nominated/);
  assert.match(await page.getByTestId('year-done').innerText(), /nomination is saved/);
  const row = page.locator('[data-testid=school-day]').filter({ hasText: heading }).locator('[data-seat=teaching-learning-lead]');
  assert.match(await row.innerText(), /Tom Teaching\s+Aisha Assessment/);

  // The same person as their own substitute: refused, said on the page and at the day.
  const afl = page.locator('[data-testid=school-day]').filter({ hasText: heading }).locator('[data-seat=afl-lead]');
  await afl.locator('select[name=person]').selectOption({ label: 'Aisha Assessment' });
  await afl.locator('select[name=substitute]').selectOption({ label: 'Aisha Assessment' });
  await afl.getByRole('button', { name: 'Nominate' }).click();
  await page.waitForURL(/\/nominate$/);
  assert.match(await page.title(), /^Error: /);
  assert.match(await page.getByTestId('year-problem').innerText(), /substitute must be someone other/);
  assert.match(await page.getByTestId('day-problem').innerText(), /substitute must be someone other/);

  // Two more staff, then the term's reach: the demo's 10 and these 2, one more reached.
  await page.goto(yearUrl);
  await page.getByLabel('Add members of staff').fill('Iris Ingram, teacher\nJack Jones, teaching assistant');
  await page.getByRole('button', { name: 'Add to the staff list' }).click();
  await page.waitForURL(/done=staff/);
  await page.getByTestId('reach-term').getByLabel('Term').selectOption({ label: 'Autumn 2017' });
  await page.getByRole('button', { name: 'Show the term' }).click();
  await page.waitForURL(/term=2017-autumn/);
  const form = page.getByTestId('reach-form');
  await form.locator('tr', { hasText: 'Jack Jones' }).getByLabel('Coached by a colleague who attended').check();
  await form.getByRole('button', { name: 'Save reach for the term' }).click();
  await page.waitForURL(/done=reach/);
  const autumn = page.getByTestId('reach').locator('tbody tr').first();
  assert.match(await autumn.innerText(), /Autumn 2017\s+12\s+5\s+42%/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();

  // The adviser, on a phone: the day is in their week of it; the roll takes the marks.
  const phone = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } });
  const p = await phone.newPage();
  await signIn(p, demo, 'adviser');
  await p.goto(`${demo.url}/week?from=${date}`);
  const led = p.getByTestId('week-days').locator('tr', { hasText: 'Teaching & Learning and AfL Leads Network Day' });
  await led.getByRole('link', { name: 'Take the roll' }).click();
  await p.waitForURL(/\/roll$/);
  const tom = p.getByTestId('roll-person').filter({ hasText: 'Tom Teaching' }).filter({ hasNotText: 'substitute' });
  await tom.getByLabel('Present').check();
  const aisha = p.getByTestId('roll-person').filter({ hasText: 'substitute for Tom Teaching' });
  await aisha.getByLabel('Apologies sent').check();
  assert.deepEqual(await accessibilityProblems(p), []);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `the roll fits a phone's width (${width}px)`);
  await p.getByRole('button', { name: 'Save the roll' }).click();
  await p.waitForURL(/saved=yes/);
  assert.match(await p.getByTestId('roll-saved').innerText(), /The roll is saved: 2 of 2 marked/);
  // The week (a card per day) and the account page (a feed's long address) fit the phone too.
  for (const url of [`${demo.url}/week?from=${date}`, `${demo.url}/account`]) {
    await p.goto(url);
    const wide = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `${url} fits a phone's width (${wide}px)`);
  }
  await phone.close();

  // Back at the school: Tom is on the staff list with his account, so the roll's mark counts
  // for reach, ticked from the roll; the form cannot untick it.
  const again = await browser.newContext({ bypassCSP: true });
  const h = await again.newPage();
  await signIn(h, demo, 'head');
  await h.goto(`${yearUrl}?term=2017-autumn#reach`);
  const tomRow = h.getByTestId('reach-form').locator('tr', { hasText: 'Tom Teaching' });
  const fromRoll = tomRow.getByTestId('from-roll');
  assert.match(await fromRoll.innerText(), /Trained at a Network Day\s*, Tom Teaching\s*\(from the roll of the Teaching & Learning and AfL Leads Network Day on /);
  assert.ok(await fromRoll.locator('input').isDisabled(), 'a tick from the roll is not the form\'s to take away');
  assert.match(await h.getByTestId('reach').locator('tbody tr').first().innerText(), /Autumn 2017\s+12\s+6\s+50%/);
  assert.match(await h.getByTestId('staff-list').locator('tr', { hasText: 'Tom Teaching' }).getByTestId('staff-account').innerText(), /Tom Teaching/);
  await again.close();
});

test('the adviser records a Development Day nobody registered for as held, from its roll', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'adviser');
  await page.goto(`${demo.url}/programmes/1/year?term=2017-autumn`);
  const row = page.getByTestId('year-days').locator('tr', { hasText: 'Development Day' }).filter({ has: page.getByRole('link', { name: 'Roll' }) }).first();
  await row.getByRole('link', { name: 'Roll' }).click();
  await page.waitForURL(/\/roll$/);
  assert.match(await page.getByTestId('roll-held').innerText(), /Nobody was registered for this day/);
  await page.getByRole('button', { name: 'Record the day as held' }).click();
  await page.waitForURL(/saved=held/);
  assert.match(await page.getByTestId('roll-saved').innerText(), /The day is recorded as held/);
  assert.match(await page.getByTestId('roll-held').innerText(), /recorded as held, with nobody marked on its roll/);
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByTestId('roll-day').click();
  await page.waitForURL(/\/year\/\d+$/);
  assert.match(await page.getByTestId('day-held').innerText(), /This day is recorded as held/);
  await context.close();
});

test("a day's page: the adviser adds a link to what the day introduced; the network's head opens the day's notes", async () => {
  const context = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
  const page = await context.newPage();
  await signIn(page, demo, 'adviser');
  await page.goto(`${demo.url}/programmes/1/year`);
  await page.getByTestId('year-days').getByRole('link', { name: /^Senior Leaders Network Day/ }).first().click();
  await page.waitForURL(/\/year\/\d+$/);
  const dayUrl = page.url();
  assert.match(await page.getByTestId('day-places').innerText(), /^40: \d+ with a place/);
  assert.match(await page.getByTestId('day-resources').innerText(), /Questioning and feedback: notes of the day/);
  await page.getByLabel('Title').fill('Wait time: a research summary');
  await page.getByLabel('Or a link').fill('https://example.org/wait-time');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.waitForURL(/done=added/);
  assert.match(await page.getByTestId('day-done').innerText(), /Added to the day's resources/);
  assert.match(await page.getByTestId('day-resources').innerText(), /Wait time: a research summary/);
  // Not a web address: refused, the title kept.
  await page.getByLabel('Title').fill('Slides');
  await page.getByLabel('Or a link').fill('slides on the shared drive');
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  assert.match(await page.title(), /^Error: /);
  assert.match(await page.getByTestId('day-problem').innerText(), /is not a web address/);
  assert.equal(await page.getByLabel('Title').inputValue(), 'Slides');
  assert.deepEqual(await accessibilityProblems(page), []);
  await context.close();

  // The head of a school in the network: the day is held, so its resources are theirs.
  const head = await browser.newContext({ bypassCSP: true, acceptDownloads: true });
  const h = await head.newPage();
  await signIn(h, demo, 'head');
  await h.goto(dayUrl);
  const list = h.getByTestId('day-resources');
  assert.match(await list.innerText(), /Wait time: a research summary/);
  assert.equal(await h.getByText('Add a file or a link').count(), 0, 'a head does not add');
  const [download] = await Promise.all([
    h.waitForEvent('download'),
    list.getByRole('link', { name: 'Questioning and feedback: notes of the day' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'questioning-notes.txt');
  const chunks = [];
  for await (const c of await download.createReadStream()) chunks.push(c);
  assert.match(Buffer.concat(chunks).toString('utf8'), /^Notes of the day: questioning and feedback/);
  assert.deepEqual(await accessibilityProblems(h), []);
  await head.close();
});

test('a head withdraws a nomination: the page says what follows, and the seat passes to the substitute', async () => {
  const context = await browser.newContext({ bypassCSP: true });
  const page = await context.newPage();
  await signIn(page, demo, 'head');
  await page.getByRole('link', { name: 'Your week' }).click();
  await page.getByTestId('week-schools').getByRole('link').first().click();
  await page.waitForURL(/\/schools\/\d+\/year$/);
  const yearUrl = page.url();
  // The last T&L and AfL Network Day of the year: nobody nominated there yet.
  const day = page.locator('[data-testid=school-day]').filter({ hasText: 'Teaching & Learning and AfL Leads Network Day' }).last();
  const heading = await day.locator('h3').innerText();
  const seat = day.locator('[data-seat=afl-lead]');
  await seat.locator('select[name=person]').selectOption({ label: 'Aisha Assessment' });
  await seat.locator('select[name=substitute]').selectOption({ label: 'Tom Teaching' });
  await seat.getByRole('button', { name: 'Nominate' }).click();
  await page.waitForURL(/done=nominated/);
  const row = () => page.locator('[data-testid=school-day]').filter({ hasText: heading }).locator('[data-seat=afl-lead]');
  await row().getByRole('button', { name: 'Withdraw' }).click();
  // Nothing changes until it is confirmed.
  assert.match(await page.locator('h1').innerText(), /^Withdraw Aisha Assessment's place\?/);
  const form = page.getByTestId('confirm-withdraw');
  assert.ok(await form.getByLabel(/It passes to Tom Teaching, the substitute/).isChecked(), 'passing it on is offered first');
  assert.deepEqual(await accessibilityProblems(page), []);
  await page.getByRole('link', { name: 'Cancel: change nothing' }).click();
  assert.match(await row().innerText(), /Aisha Assessment\s+Tom Teaching/);
  await row().getByRole('button', { name: 'Withdraw' }).click();
  await page.getByRole('button', { name: 'Withdraw the place' }).click();
  await page.waitForURL(/done=passed/);
  assert.match(await page.getByTestId('year-done').innerText(), /seat passed to the substitute/);
  assert.match(await row().innerText(), /Tom Teaching\s+none/);
  assert.equal(page.url().split('?')[0], yearUrl);
  await context.close();

  // On a phone the seats stack, each nomination's controls within the screen.
  const phone = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } });
  const p = await phone.newPage();
  await signIn(p, demo, 'head');
  await p.goto(yearUrl);
  const wide = await p.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 390, `the school's year fits a phone's width (${wide}px)`);
  const box = await p.locator('[data-seat] select[name=person]').first().boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 390, `the nominate control is on screen: ${JSON.stringify(box)}`);
  // The term dates, a card per term: every cell within the screen.
  const cells = await p.getByTestId('school-terms').locator('td').evaluateAll((tds) => tds.map((td) => td.getBoundingClientRect().right));
  assert.ok(cells.length > 0 && cells.every((r) => r <= 390), `the term dates are on screen: ${cells}`);
  await phone.close();
});
