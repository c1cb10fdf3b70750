// Browser test of the officer pages: the README's run command in demo mode, the demo
// admin logs in with the printed one-time password, enrolls a resident with synthetic
// biometrics, runs the uniqueness check, and the card is queued for printing; the
// receipt and the signed Suket are there the same day, the public checker says the
// Suket is valid, and once the card is printed and handed over it says revoked; after
// logging out, the citizen looks the application up on the status page.
//
// Needs: Debian chromium at /usr/bin/chromium, `npm ci` in this folder, and the sidik
// binary (SIDIK_BIN, default ../target/debug/sidik). Run: node --test e2e/
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import net from 'node:net';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const BIN = process.env.SIDIK_BIN ?? join(here, '..', 'target', 'debug', 'sidik');
const RESIDENTS = 2000;

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

const data = mkdtempSync(join(tmpdir(), 'sidik-e2e-'));
let server;
let browser;
after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGKILL');
  rmSync(data, { recursive: true, force: true });
});

/** Starts `sidik serve --demo` and resolves with the printed admin password. */
function startDemo(port) {
  server = spawn(BIN, ['serve', '--demo', '--residents', String(RESIDENTS), '--listen', `127.0.0.1:${port}`, '--data', data],
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

/** An adult of Ancol (no demo application there) from the same deterministic population. */
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

test('demo admin logs in, enrolls, checks and sees the card queued for printing', { timeout: 240_000 }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const password = await startDemo(port);
  const resident = adultOfAncol();

  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
  const page = await browser.newPage();

  await page.goto(base + '/');
  assert.match(await page.title(), /Masuk/);
  // A wrong password is refused in Indonesian.
  await page.fill('#username', 'admin');
  await page.fill('#password', 'bukan-kata-sandinya');
  await page.click('button[type=submit]');
  assert.match(await page.textContent('.galat'), /kata sandi salah/);

  await page.fill('#username', 'admin');
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForURL(base + '/permohonan');
  assert.match(await page.textContent('h1'), /Daftar Permohonan/);
  const total = Number(await page.textContent('#total'));
  assert.ok(total >= 20, `demo applications listed: ${total}`);

  // Perekaman with the demo's synthetic biometrics.
  await page.click('text=Perekaman Baru');
  await page.fill('#nik', resident.nik);
  await page.selectOption('#kelurahan', resident.kel);
  await page.check('#demo_biometrik');
  await page.click('button:has-text("Simpan perekaman")');
  await page.waitForURL(/\/permohonan\/\d{27}\?baru=1$/);
  assert.equal((await page.textContent('#status')).trim(), 'Direkam');
  assert.match(await page.textContent('#perekaman-berhasil'), /Perekaman berhasil/);
  assert.ok(await page.isVisible('#cetak-tanda-terima'), 'the receipt link is shown');

  await page.click('button:has-text("verifikasi ketunggalan")');
  await page.waitForURL(/\/permohonan\/\d{27}$/);
  assert.equal((await page.textContent('#status')).trim(), 'Siap cetak');
  const nomor = page.url().match(/(\d{27})$/)[1];
  const timeline = await page.textContent('#riwayat');
  assert.match(timeline, /Hasil verifikasi: tunggal/);
  assert.match(timeline, /WIB/);
  await page.screenshot({ path: join(data, '..', 'sidik-e2e-detail.png'), fullPage: true });

  // The same NIK cannot be enrolled twice while the application is open.
  await page.goto(base + '/permohonan/baru');
  await page.fill('#nik', resident.nik);
  await page.selectOption('#kelurahan', resident.kel);
  await page.check('#demo_biometrik');
  await page.click('button:has-text("Simpan perekaman")');
  assert.match(await page.textContent('.galat'), /permohonan yang belum selesai/);

  // Nobody leaves empty-handed: the receipt and a signed Suket, the same day.
  await page.goto(`${base}/permohonan/${nomor}`);
  const receipt = await page.request.get(`${base}/permohonan/${nomor}/tanda-terima.pdf`);
  assert.equal(receipt.status(), 200);
  assert.equal(receipt.headers()['content-type'], 'application/pdf');
  assert.ok((await receipt.body()).subarray(0, 4).toString() === '%PDF');
  assert.equal(await page.getAttribute('#suket .suket-baris', 'data-status'), 'aktif');
  const suketPdf = await page.request.get(`${base}/permohonan/${nomor}/suket.pdf`);
  assert.equal(suketPdf.status(), 200);
  const suket = await (await page.request.get(`${base}/api/v1/applications/${nomor}/suket`)).json();
  const qr = suket.items[0].qr;
  assert.match(qr, /^[0-9A-Z $%*+\-.\/:]+$/, 'the QR text is Base45');

  // A bank teller checks it on the public page: valid.
  const verify = async () => {
    await page.goto(base + '/verifikasi');
    await page.fill('#teks', qr);
    await page.click('button:has-text("Periksa")');
    await page.waitForSelector('#hasil-verifikasi');
    return page.getAttribute('#hasil-verifikasi', 'data-verdict');
  };
  assert.equal(await verify(), 'valid');
  assert.match(await page.textContent('#hasil-verifikasi'), /Sah/);

  // The card is printed (a blank booked) and handed over: the Suket is revoked.
  await page.goto(`${base}/permohonan/${nomor}`);
  await page.click('button:has-text("Tandai sudah dicetak")');
  await page.waitForURL(new RegExp(`/permohonan/${nomor}$`));
  assert.equal((await page.textContent('#status')).trim(), 'Dicetak');
  await page.click('button:has-text("Serahkan kartu")');
  await page.waitForURL(new RegExp(`/permohonan/${nomor}$`));
  assert.equal((await page.textContent('#status')).trim(), 'Diserahkan');
  assert.equal(await verify(), 'revoked');
  assert.match(await page.textContent('#hasil-verifikasi'), /diserahkan/i);
  await page.goto(`${base}/permohonan/${nomor}`);


  // Logging out is a form with its token too.
  await page.click('button:has-text("Keluar")');
  await page.waitForURL(base + '/masuk');

  // The citizen's lookup: a POST form (nothing in the URL), the name masked.
  await page.goto(base + '/status');
  await page.fill('#nomor', nomor);
  await page.fill('#nik', resident.nik);
  await page.click('button:has-text("Cek status")');
  await page.waitForSelector('#hasil-status');
  assert.equal(page.url(), base + '/status');
  const hasil = await page.textContent('#hasil-status');
  assert.match(hasil, /Kartu sudah diambil/);
  assert.match(hasil, /Suket Anda tidak berlaku lagi/);
  assert.match(hasil, /Nama\s*(\S\*\*\* ?)+/);
});
