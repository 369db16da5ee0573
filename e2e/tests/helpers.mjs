// Starts `aspire demo` on a free port with its own database, and Debian's Chromium.
import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function aspireBinary() {
  const fromEnv = process.env.ASPIRE_BIN;
  if (fromEnv) return fromEnv;
  for (const p of ['target/debug/aspire', 'target/release/aspire']) {
    if (existsSync(join(root, p))) return join(root, p);
  }
  throw new Error('no aspire binary: run `cargo build` first or set ASPIRE_BIN');
}

/** Runs the demo on 127.0.0.1:0 and resolves with its base URL once it answers. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), 'aspire-e2e-'));
  const proc = spawn(aspireBinary(), ['demo', '--addr', '127.0.0.1:0', '--database-url', `sqlite:${join(dir, 'demo.db')}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start in 120 s:\n${log}`)), 120_000);
    const onData = (chunk) => {
      log += chunk;
      const m = log.match(/running at (http:\/\/[0-9.:]+)\//);
      // The demo accounts are printed after the address; the evaluator's comes last.
      if (m && /evaluator@\S+\s+\S+/.test(log)) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`demo exited with ${code}:\n${log}`)); });
  });
  // "  head@demo.aspire.invalid   demo-0123456789abcdef  head teacher of ..."
  const accounts = {};
  for (const m of log.matchAll(/^\s+(\S+)@demo\.aspire\.invalid\s+(\S+)\s/gm)) {
    accounts[m[1]] = { email: `${m[1]}@demo.aspire.invalid`, password: m[2] };
  }
  return {
    url,
    accounts,
    async stop() {
      proc.kill('SIGTERM');
      await new Promise((r) => { if (proc.exitCode !== null) r(); else proc.on('exit', r); });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Signs in through the sign-in page as one of the demo accounts ('head', 'adviser', ...). */
export async function signIn(page, demo, who) {
  const account = demo.accounts[who];
  if (!account) throw new Error(`no demo account '${who}' (have: ${Object.keys(demo.accounts).join(', ')})`);
  await page.goto(demo.url + '/sign-in');
  await page.getByLabel('Email address').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

const axeSource = readFileSync(join(root, 'e2e', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/** WCAG 2.x A/AA violations of serious or critical impact on the current page. */
export async function accessibilityProblems(page) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Starts the demo and a browser before a file's tests and stops both after them; `ready`
 * receives the two once they are up. */
export function withDemoAndBrowser(ready) {
  let demo;
  let browser;
  before(async () => {
    demo = await startDemo();
    browser = await launchBrowser();
    ready(demo, browser);
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });
}
