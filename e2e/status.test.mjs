// Browser test of the citizen's pages (issue 15) on a 360×740 phone viewport: the
// status page in every state a citizen can meet at a standalone office (recorded, in
// the print queue, ready to collect, collected, further checks, cannot be processed),
// each with an axe-core check (no serious or critical violation), no horizontal scroll,
// the office's details and the link to file an aspiration; the lookup done with the
// keyboard alone; an officer's notice for the applicant's kelurahan on the status
// page, the public notices page and the Atom feed.
//
// Needs: Debian chromium at /usr/bin/chromium, `npm ci` in this folder, and the sidik
// binary (SIDIK_BIN, default ../target/debug/sidik). Run: node --test e2e/
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BIN = process.env.SIDIK_BIN ?? join(here, '..', 'target', 'debug', 'sidik');
const RESIDENTS = 2000;
const ALAMAT = 'Jl. Yos Sudarso No. 27-29, Koja, Jakarta Utara';
const JAM = 'Senin-Jumat 08.00-15.00 WIB';
const KONTAK = '(021) 4390 1234';

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const data = mkdtempSync(join(tmpdir(), 'sidik-e2e-status-'));
let server;
let browser;
after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGKILL');
  rmSync(data, { recursive: true, force: true });
});

function startDemo(port) {
  server = spawn(BIN, ['serve', '--demo', '--residents', String(RESIDENTS), '--listen', `127.0.0.1:${port}`, '--data', data,
    '--office-address', ALAMAT, '--office-hours', JAM, '--office-contact', KONTAK],
  { env: { ...process.env, SIDIK_LOG: 'warn' } });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no password printed:\n${out}`)), 120_000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/one-time password '([^']+)'/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (c) => reject(new Error(`sidik exited ${c}:\n${out}`)));
  });
}

/** An adult of Ancol (no demo application there). */
function adultOfAncol() {
  const csv = execFileSync(BIN, ['resident', 'export-demo', '--residents', String(RESIDENTS)], { encoding: 'utf8' });
  const rows = csv.trim().split('\n').slice(1).map((l) => l.split(','));
  const now = new Date();
  for (const r of rows) {
    const [nik, , , , , lahir, , , , , kel, , status] = r;
    const age = (now - new Date(lahir)) / (365.25 * 24 * 3600 * 1000);
    if (kel === '31.72.05.1003' && (age >= 18 || status !== 'belum-kawin')) return { nik, kel };
  }
  throw new Error('no adult in Ancol');
}

/** axe-core on the current page: the serious and critical violations. */
async function axe(page) {
  await page.addScriptTag({ path: AXE });
  const r = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ['violations'] }));
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

async function phoneChecks(page, what) {
  assert.deepEqual(await axe(page), [], `axe on ${what}`);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(wide <= 360, `${what} scrolls sideways on a 360-px phone: ${wide}px`);
}

test('the status page in every state, on a phone, accessible', { timeout: 300_000 }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const password = await startDemo(port);
  const resident = adultOfAncol();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });

  // The officer.
  const officer = await (await browser.newContext()).newPage();
  await officer.goto(base + '/masuk');
  await officer.fill('#username', 'admin');
  await officer.fill('#password', password);
  await officer.click('button[type=submit]');
  await officer.waitForURL(base + '/permohonan');

  // The citizen, on a phone; the page's CSP would block axe's injected script.
  const ctx = await browser.newContext({ viewport: { width: 360, height: 740 }, bypassCSP: true });
  const citizen = await ctx.newPage();

  /** Looks up as a citizen; returns the stage. */
  async function lookup(nomor, nik) {
    await citizen.goto(base + '/status');
    await citizen.fill('#nomor', nomor);
    await citizen.fill('#nik', nik);
    await citizen.click('button:has-text("Cek status")');
    await citizen.waitForSelector('#hasil-status');
    return citizen.getAttribute('#hasil-status', 'data-tahap');
  }

  async function stateIs(nomor, nik, tahap, judul) {
    assert.equal(await lookup(nomor, nik), tahap);
    assert.equal((await citizen.textContent('#judul-status')).trim(), judul);
    const all = (await citizen.textContent('main')).toLowerCase();
    for (const w of ['ganda', 'adjudikasi', 'tunggal']) assert.ok(!all.includes(w), `${tahap}: "${w}" shown`);
    assert.match(await citizen.textContent('#kantor'), new RegExp(ALAMAT));
    assert.equal(await citizen.getAttribute('#aspirasi', 'href'), `/aspirasi/baru?permohonan=${nomor}`);
    await phoneChecks(citizen, `status ${tahap}`);
  }

  // Perekaman with a contact, as the officer.
  await officer.goto(base + '/permohonan/baru');
  await officer.fill('#nik', resident.nik);
  await officer.selectOption('#kelurahan', resident.kel);
  await officer.check('#demo_biometrik');
  await officer.fill('#email', 'warga@contoh.id');
  await officer.check('#setuju_kontak');
  await officer.click('button:has-text("Simpan perekaman")');
  await officer.waitForURL(/\/permohonan\/\d{27}\?baru=1$/);
  const nomor = officer.url().match(/(\d{27})\?baru=1$/)[1];

  // The empty form passes the checks too; then the lookup with the keyboard alone.
  await citizen.goto(base + '/status');
  await phoneChecks(citizen, 'the empty status form');
  for (let i = 0; i < 20; i++) {
    await citizen.keyboard.press('Tab');
    if (await citizen.evaluate(() => document.activeElement?.id) === 'nomor') break;
  }
  assert.equal(await citizen.evaluate(() => document.activeElement?.id), 'nomor');
  await citizen.keyboard.type(nomor);
  await citizen.keyboard.press('Tab');
  await citizen.keyboard.type(resident.nik);
  await citizen.keyboard.press('Enter');
  await citizen.waitForSelector('#hasil-status');
  assert.equal(await citizen.getAttribute('#hasil-status', 'data-tahap'), 'menunggu-pemeriksaan');
  await stateIs(nomor, resident.nik, 'menunggu-pemeriksaan', 'Menunggu pemeriksaan');

  await officer.goto(`${base}/permohonan/${nomor}`);
  await officer.click('button:has-text("verifikasi ketunggalan")');
  await officer.waitForURL(new RegExp(`/permohonan/${nomor}$`));
  await stateIs(nomor, resident.nik, 'antrean-cetak', 'Lolos pemeriksaan, menunggu dicetak');
  assert.match(await citizen.textContent('#suket'), /berlaku sampai/);

  await officer.click('button:has-text("Tandai sudah dicetak")');
  await officer.waitForURL(new RegExp(`/permohonan/${nomor}$`));
  await stateIs(nomor, resident.nik, 'siap-diambil', 'Kartu siap diambil');
  assert.match(await citizen.textContent('#bawa'), /Tanda terima perekaman/);

  await officer.click('button:has-text("Serahkan kartu")');
  await officer.waitForURL(new RegExp(`/permohonan/${nomor}$`));
  await stateIs(nomor, resident.nik, 'sudah-diambil', 'Kartu sudah diambil');

  // The demo's duplicate suspect, then rejected.
  const list = await (await officer.request.get(`${base}/api/v1/applications?status=ganda`)).json();
  const ganda = list.items[0];
  assert.ok(ganda, 'the demo has a duplicate suspect');
  await stateIs(ganda.nomor, ganda.nik, 'pemeriksaan-lanjutan', 'Perlu pemeriksaan lanjutan');
  await officer.goto(`${base}/permohonan/${ganda.nomor}`);
  await officer.fill('form:has(input[name=aksi][value=tolak]) input[name=alasan]', 'Sidik jari sama dengan permohonan lain');
  await officer.click('form:has(input[name=aksi][value=tolak]) button');
  await officer.waitForURL(new RegExp(`/permohonan/${ganda.nomor}$`));
  await stateIs(ganda.nomor, ganda.nik, 'tidak-dapat-diproses', 'Tidak dapat diproses');
  assert.ok(!(await citizen.textContent('main')).includes('Sidik jari sama'), 'the officer\'s reason is not shown');

  // An officer's notice for Ancol: on the status page, the area page and its feed.
  await officer.goto(base + '/pengumuman/tulis');
  await officer.fill('#wilayah', resident.kel);
  await officer.fill('#judul', 'Pelayanan perekaman hari Sabtu');
  await officer.fill('#isi', 'Kantor melayani perekaman KTP-el pada Sabtu pukul 08.00-12.00 WIB.');
  await officer.click('button:has-text("Terbitkan")');
  await officer.waitForSelector('#sukses');
  await lookup(nomor, resident.nik);
  assert.match(await citizen.textContent('#pengumuman'), /Pelayanan perekaman hari Sabtu/);
  await phoneChecks(citizen, 'status with a notice');
  await citizen.goto(`${base}/pengumuman/wilayah/${resident.kel}`);
  assert.match(await citizen.textContent('main'), /Pelayanan perekaman hari Sabtu/);
  await phoneChecks(citizen, 'the area notices page');
  await citizen.goto(`${base}/pengumuman`);
  await phoneChecks(citizen, 'the notices index');
  const feed = await citizen.request.get(`${base}/pengumuman/wilayah/${resident.kel}/atom`);
  assert.equal(feed.status(), 200);
  assert.match(await feed.text(), /<entry>[\s\S]*Pelayanan perekaman hari Sabtu/);
});
