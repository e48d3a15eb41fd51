// Drives the built demo (web-demo/dist) in headless Chromium through the whole story: prekeys,
// the directory, handshake (compact initial message), chat both ways, verification (scanning a
// picture of the other's QR code too), the seven attacks, the server's manual controls, reload
// with restore, a second tab racing the first, a phone-width layout, reset, a state saved by an earlier version of the page,
// and a handshake with the self-contained initial message. Asserts on visible text through
// role and label locators, fails on any console error, and saves a screenshot of each stage
// in screenshots/demo/.
//
// The test() blocks below run in order and share one page (one fresh browser profile, so
// IndexedDB starts empty and the reload happens in the same context).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { launchBrowser, watchErrors } from "../../scripts/browser.mjs";
import { serve } from "../../scripts/serve.mjs";
import { qrGif } from "../src/qr.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const shots = `${root}screenshots/demo`;
let server;
let url;
let browser;
let page;
let errors;

before(async () => {
  ({ server, url } = await serve(`${root}web-demo/dist`, 0));
  browser = await launchBrowser();
  mkdirSync(shots, { recursive: true });
  page = await browser.context.newPage();
  page.setDefaultTimeout(20_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  errors = watchErrors(page);
});

after(async () => {
  await browser?.close();
  server?.close();
});

// ---- helpers ----

const shot = (name) => page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
/** The three panes only (Alice, the server, Bob). */
const panesShot = (name) => page.getByRole("main").screenshot({ path: `${shots}/${name}.png` });
const norm = (text) => text.replace(/\s+/g, " ").trim();
const region = (name) => page.getByRole("region", { name, exact: true });
const status = () => page.getByRole("status", { name: "Latest outcome" });
const log = (who) => page.getByRole("log", { name: `${who}'s conversation` });
const button = (name) => page.getByRole("button", { name, exact: true });

/** Waits until `locator` shows text matching `pattern`; returns its text. */
async function waitText(locator, pattern, timeout) {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
  return locator.first().innerText();
}

async function send(who, text) {
  await page.getByLabel(`Message from ${who}`).fill(text);
  await button(`Send as ${who}`).click();
}

/** All saves finished (so a reload sees the latest state). */
const saved = () => waitText(page.getByRole("status", { name: "Save state" }), /All changes saved/);

function noErrors() {
  assert.deepEqual(errors, [], "no console errors");
}

// ---- the story ----

test("the page loads with nothing saved and explains step 1", async () => {
  await page.goto(url);
  await waitText(status(), /Ready\. Step 1: Bob publishes his prekeys/, 60_000);
  assert.equal(await button("Swap the bundle").isDisabled(), true, "attacks wait for the handshake");
  assert.equal(await page.getByLabel("Message from Bob").isDisabled(), true);
  await waitText(page.getByRole("region", { name: "Timeline entries" }), /Loaded twofold-pq .* \(WebAssembly\)/);
  await shot("01-start");
  noErrors();
});

test("Bob publishes prekeys; the server verifies and stores his upload", async () => {
  await button("Publish prekeys").click();
  const srv = region("The server");
  // 10 leaves with both one-time prekeys: 9,843 + 10 × 1,225 bytes.
  const text = await waitText(srv, /Bob's upload/);
  assert.match(text, /Bob's upload · 22,093 B\s+batch #1/);
  assert.match(text, /Stored for Bob after verifyUpload: his identity, signed prekey #1 .* 10 one-time leaves/);
  assert.match(text, /Next leaf: 0 \(10 of 10 left\)/);
  assert.match(text, /No bundle handed out yet/);
  await waitText(region("Bob"), /Prekey store: signed prekey #1 \(created \d+ s ago\), 10 one-time X25519 and 10 one-time ML-KEM prekeys held/);
  await waitText(status(), /Bob uploaded 22,093 B of prekeys \(10 one-time leaves under one signature\); the server verified and stored it/);
  const timeline = await page.getByRole("region", { name: "Timeline entries" }).innerText();
  assert.match(timeline, /Verified Bob's upload \(identity binding, upload signature\) and stored it: batch #1, 10 leaves/);
  // The server is the directory too: Bob's public identity, filed under its fingerprint.
  assert.match(timeline, /Filed Bob's public identity in its directory under its fingerprint [0-9a-f]{8}… \(fingerprintOf/);
  const directory = await page.getByRole("list", { name: "Identities in the directory" }).innerText();
  assert.match(directory, /Bob's identity · 5,296 B\s+Filed under its fingerprint [0-9a-f]{8}…/);
  assert.doesNotMatch(directory, /Alice/);
  await panesShot("02-prekeys-published");
  noErrors();
});

test("Alice fetches the bundle and sends a compact first message; Bob looks her up and accepts", async () => {
  const selfContained = page.getByLabel("Alice sends her identity in the message (self-contained)");
  assert.equal(await selfContained.isChecked(), false, "the compact form is the default");
  assert.match(await region("Alice").innerText(), /Compact \(the default\): her first message names her by her X25519 identity key and fingerprint/);
  await page.getByLabel("Message from Alice").fill("Hi Bob! It's Alice.");
  await button("Fetch Bob's bundle & send").click();
  await waitText(log("Bob"), /Hi Bob! It's Alice\./);
  await waitText(status(), /Bob accepted Alice's first message: the session is established/);
  const timeline = page.getByRole("region", { name: "Timeline entries" });
  const t = await waitText(timeline, /Accepted initial message #1/);
  // 1,400 bytes with a 100-byte plaintext; this one has 19.
  assert.match(t, /Verified the bundle's signatures, ran the hybrid handshake[^\n]*a compact initial message naming her[^\n]*\n?[^\n]*1,319 B/);
  assert.match(t, /Filed Alice's public identity in its directory/);
  assert.match(t, /Looked up the initiator fingerprint [0-9a-f]{8}… the initial message names in the server's directory: Alice's identity/);
  assert.match(t, /Accepted initial message #1: checked Alice's identity from the directory against the key and fingerprint the message names/);
  const srv = await region("The server").innerText();
  // Leaf 0 of 10 (a proof of four hashes): 11,070 + 4 × 32 bytes.
  assert.match(srv, /Bob's bundle #1 · 11,198 B\s+handed to Alice/);
  assert.match(srv, /Composed from batch #1: leaf 0 of the batch's 10/);
  assert.match(srv, /Next leaf: 1 \(9 of 10 left\)/);
  assert.match(t, /Composed Bob's bundle #1 from his upload \(leaf 0 of the batch's 10\) and handed it to Alice/);
  assert.match(srv, /#1 Alice → Bob · 1,319 B/);
  assert.match(srv, /initial message \(compact: Alice's fingerprint [0-9a-f]{8}… and X25519 identity key\)/);
  assert.match(srv, /Alice's identity · 5,296 B/, "Alice's identity is in the directory");
  assert.match(await log("Bob").innerText(), /initial message \(compact\)/);
  assert.doesNotMatch(srv, /Hi Bob! It's Alice/, "the server never shows plaintext");
  await waitText(page.getByRole("list", { name: "Steps of the demo" }), /Bob accepts/);
  await panesShot("03-handshake");
  noErrors();
});

test("both chat freely in both directions; the ratchet state is shown", async () => {
  await send("Bob", "Hi Alice, Bob here. Got your message.");
  await waitText(log("Alice"), /Hi Alice, Bob here\. Got your message\./);
  await send("Alice", "Great. Shall we verify?");
  await waitText(log("Bob"), /Great\. Shall we verify\?/);
  await send("Bob", "Yes, let's compare the safety numbers.");
  await waitText(log("Alice"), /let's compare the safety numbers/);
  const aliceRatchet = await region("Alice's ratchet").innerText();
  assert.match(aliceRatchet, /DH epoch\s*X25519 ratchet steps\s*\d+/);
  assert.match(aliceRatchet, /PQ epoch\s*ML-KEM secrets mixed in\s*0/);
  // Alice (the initiator) sends her epoch-1 key, one chunk per message, and waits for Bob's
  // ciphertext; Bob collects the key and has nothing to send yet.
  assert.match(aliceRatchet, /sending key of epoch 1: 2 chunks sent/);
  assert.match(aliceRatchet, /collecting ciphertext of epoch 1: 0 of 33 chunks/);
  assert.match(aliceRatchet, /Next PQ epoch/);
  assert.match(aliceRatchet, /Since the last PQ epoch[\s\S]*2 sent \/ 2 received, \d+ (s|min) ago/);
  assert.doesNotMatch(aliceRatchet, /PQ faults/);
  assert.match(aliceRatchet, /Messages sent \/ received\s*2 \/ 2/);
  assert.match(aliceRatchet, /Skipped keys held\s*for late messages\s*0/);
  const bobRatchet = await region("Bob's ratchet").innerText();
  assert.match(bobRatchet, /Messages sent \/ received\s*2 \/ 2/);
  assert.match(bobRatchet, /nothing to send/);
  assert.match(bobRatchet, /collecting key of epoch 1: 2 of 36 chunks/);
  const srv = await region("The server").innerText();
  assert.match(srv, /ratchet message: key [0-9a-f]{8}…, chain index \d+/);
  assert.match(srv, /PQ key chunk \d+ of epoch 1 \(\+40 B\)/);
  assert.doesNotMatch(srv, /Got your message|Shall we verify/, "the server never shows plaintext");
  await panesShot("04-chat");
  noErrors();
});

test("verification: safety numbers, QR codes and SAS match", async () => {
  const aliceNumber = norm(await page.getByLabel("Alice's safety number", { exact: true }).innerText());
  const bobNumber = norm(await page.getByLabel("Bob's safety number", { exact: true }).innerText());
  assert.match(aliceNumber, /^(\d{5} ){11}\d{5}$/);
  assert.equal(aliceNumber, bobNumber);
  await page.getByRole("img", { name: /QR code of Alice's safety number \(65-byte payload\)/ }).waitFor();
  await page.getByRole("img", { name: /QR code of Bob's safety number \(65-byte payload\)/ }).waitFor();
  assert.equal(
    await page.getByLabel("Alice's decimal code", { exact: true }).innerText(),
    await page.getByLabel("Bob's decimal code", { exact: true }).innerText(),
  );
  assert.equal(
    await page.getByRole("list", { name: "Alice's emoji" }).innerText(),
    await page.getByRole("list", { name: "Bob's emoji" }).innerText(),
  );
  await button("Compare safety numbers").click();
  const result = await waitText(page.getByRole("status", { name: "Verification result" }), /Match/);
  assert.match(result, /✔ Match: Alice and Bob see the same codes/);
  assert.match(result, /Bob scans Alice's QR code \(matchesSafetyQr\): match/);
  assert.match(result, /Emoji and decimal SAS: match/);
  await region("Alice").getByText("verified", { exact: true }).waitFor();
  await shot("05-verified");
  noErrors();
});

test("scanning: a picture of the other's QR code matches in both apps; other pictures do not", async () => {
  const result = page.getByRole("status", { name: "Scan result" });
  await waitText(result, /Not scanned yet: pick a picture of Alice's QR code/);
  const scanAs = page.getByLabel("Who scans");
  const pickImage = page.getByLabel("Pick an image of the code");
  const takePhoto = page.getByLabel("Or take a photo of it (phones)");
  assert.equal(await takePhoto.getAttribute("capture"), "environment");
  assert.equal(await takePhoto.getAttribute("accept"), "image/*");

  // Bob's phone "photographs" Alice's screen: a screenshot of her QR code as the page shows it.
  const aliceQr = await page
    .getByRole("img", { name: /QR code of Alice's safety number/ })
    .screenshot({ path: `${shots}/05-scan-alice-qr.png` });
  await scanAs.selectOption({ label: "Bob scans Alice's code" });
  await pickImage.setInputFiles({ name: "alice-qr.png", mimeType: "image/png", buffer: aliceQr });
  let text = await waitText(result, /✔|✘/);
  assert.match(text, /✔ Match: Bob scanned Alice's code for this session\./);
  assert.match(text, /Image: alice-qr\.png/);
  assert.match(text, /Decoded: 65 bytes: [0-9a-f]{4} /);
  assert.match(text, /Bob's session\.matchesSafetyQr\(bytes\): true/);
  await waitText(status(), /Match: the QR code Bob scanned is Alice's code for their session\. Nobody is in the middle\./);
  await waitText(page.getByRole("region", { name: "Timeline entries" }), /Scanned a QR code from alice-qr\.png: decoded 65 bytes .* matchesSafetyQr: match/);

  // Another 65-byte code (say, of another session): it decodes, and does not match.
  const other = qrGif(new Uint8Array(randomBytes(65)), { scale: 6 });
  await pickImage.setInputFiles({ name: "other-qr.gif", mimeType: "image/gif", buffer: Buffer.from(other) });
  text = await waitText(result, /✘ No match/);
  assert.match(text, /✘ No match: the code Bob scanned is not Alice's code for this session\./);
  assert.match(text, /Decoded: 65 bytes/);
  assert.match(text, /Bob's session\.matchesSafetyQr\(bytes\): false/);
  await waitText(status(), /No match: the QR code Bob scanned is not Alice's code for their session/);

  // A picture without any QR code.
  const heading = await page.getByRole("heading", { level: 1 }).screenshot();
  await pickImage.setInputFiles({ name: "heading.png", mimeType: "image/png", buffer: heading });
  await waitText(result, /✘ No QR code found in heading\.png\./);
  await waitText(status(), /Bob's app found no QR code in heading\.png/);

  // Alice scans Bob's code, through the camera input this time.
  const bobQr = await page.getByRole("img", { name: /QR code of Bob's safety number/ }).screenshot();
  await scanAs.selectOption({ label: "Alice scans Bob's code" });
  await takePhoto.setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: bobQr });
  text = await waitText(result, /✔ Match: Alice/);
  assert.match(text, /✔ Match: Alice scanned Bob's code for this session\./);
  assert.match(text, /Alice's session\.matchesSafetyQr\(bytes\): true/);
  await page.getByRole("region", { name: "Verify: is it really Alice and Bob?" }).screenshot({ path: `${shots}/05-scan.png` });
  noErrors();
});

/** Runs one attack and returns the text of its outcome. */
async function attack(key, buttonName, pattern) {
  await button(buttonName).click();
  const out = page.getByRole("status", { name: `Outcome of attack (${key})` });
  const text = await waitText(out, pattern);
  assert.match(text, /What happened and why/);
  const card = page.getByRole("article").filter({ has: button(buttonName) });
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: `${shots}/06-attack-${key}.png` });
  noErrors();
  return text;
}

test("attack (a): a forged bundle fails BAD_SIGNATURE; the attacker's own bundle is caught by the safety numbers", async () => {
  const text = await attack("a", "Swap the bundle", /Alice sees/);
  assert.match(text, /Forged bundle: Alice's app refused it with BAD_SIGNATURE/);
  assert.match(text, /the handshake succeeded, with the attacker/);
  assert.match(text, /Bob's app scanning Alice's QR code says no match \(matchesSafetyQr\)/);
  const alice = text.match(/Alice sees\s+((?:\d{5}\s*){12})/)?.[1].replace(/\s+/g, " ").trim();
  const bob = text.match(/Bob sees\s+((?:\d{5}\s*){12})/)?.[1].replace(/\s+/g, " ").trim();
  assert.ok(alice && bob, "both safety numbers are shown");
  assert.notEqual(alice, bob);
  // The real session is untouched: a message still goes through.
  await send("Alice", "Still me, after the bundle swap.");
  await waitText(log("Bob"), /Still me, after the bundle swap\./);
});

test("attack (b): a tampered message fails AUTH_FAILED and the genuine one still decrypts", async () => {
  const text = await attack("b", "Tamper with a message", /genuine message/);
  assert.match(text, /Bob's app rejected it: AUTH_FAILED\. His session is unchanged/);
  assert.match(text, /The genuine message #\d+ arrived next and decrypted normally: "Please pay Carol 100"/);
  assert.match(text, /Bob would have read "Please pay Carol 101"/);
  const bobLog = await log("Bob").innerText();
  assert.match(bobLog, /AUTH_FAILED/);
  assert.match(bobLog, /Please pay Carol 100/);
  assert.doesNotMatch(bobLog, /Carol 101/);
});

test("attack (c): a replayed message fails DUPLICATE_MESSAGE", async () => {
  const text = await attack("c", "Replay a message", /DUPLICATE_MESSAGE/);
  assert.match(text, /Bob read it once: "Meet me at 8, usual place\."/);
  assert.match(text, /rejected them with DUPLICATE_MESSAGE, and his session is unchanged/);
  await waitText(log("Bob"), /DUPLICATE_MESSAGE/);
});

test("attack (d): messages out of order decrypt, with skipped keys held meanwhile", async () => {
  const text = await attack("d", "Reorder messages", /holds 0 skipped/);
  assert.match(text, /decrypted: "3\/3 Bring the cake!"\. Bob now holds 2 skipped message keys/);
  assert.match(text, /decrypted: "1\/3 Dinner is at seven"\. Bob now holds 1 skipped message key\./);
  assert.match(text, /decrypted: "2\/3 at Luigi's"\. Bob now holds 0 skipped message keys/);
  assert.match(await region("Bob's ratchet").innerText(), /Skipped keys held\s*for late messages\s*0/);
});

test("attack (f): an old bundle is STALE_PREKEY a month later, a changed Merkle proof BAD_SIGNATURE", async () => {
  const text = await attack("f", "Serve an old bundle", /Merkle proof changed/);
  assert.match(text, /Replayed today: Alice's app accepts the bundle .* Bob's app refuses the handshake with PREKEY_ALREADY_USED/);
  assert.match(text, /With the clock 31 days ahead, Alice's app refused the same bundle with STALE_PREKEY/);
  assert.match(text, /One bit of the leaf's Merkle proof changed: Alice's app refused the bundle with BAD_SIGNATURE/);
  assert.doesNotMatch(text, /Unexpected/);
  const timeline = await page.getByRole("region", { name: "Timeline entries" }).innerText();
  assert.match(timeline, /Refused the bundle: STALE_PREKEY/);
  assert.match(timeline, /Refused the bundle: BAD_SIGNATURE/);
  // The conversation is untouched.
  await send("Alice", "Still me, after the old bundle.");
  await waitText(log("Bob"), /Still me, after the old bundle\./);
});

test("attack (g): the directory's wrong identity is INITIATOR_MISMATCH, no entry IDENTITY_REQUIRED", async () => {
  const text = await attack("g", "Answer with another identity", /honest answer/);
  assert.match(text, /Alice's app sent a new compact initial message \(1,332 B; self-contained it would be 6,561 B\)/);
  assert.match(text, /The directory answered with another identity: Bob's app refused the message with INITIATOR_MISMATCH before any key agreement, and his prekey store is unchanged/);
  assert.match(text, /No directory entry: Bob's app refused the message with IDENTITY_REQUIRED .* his prekey store is unchanged/);
  assert.match(text, /With the directory's honest answer, Bob's app accepts the very same message/);
  assert.doesNotMatch(text, /Unexpected/);
  const timeline = await page.getByRole("region", { name: "Timeline entries" }).innerText();
  assert.match(timeline, /Refused the initial message \(the directory's answer is another identity\): INITIATOR_MISMATCH/);
  assert.match(timeline, /Refused the initial message \(no directory entry\): IDENTITY_REQUIRED/);
  // The conversation is untouched.
  await send("Alice", "Still me, after the directory lied.");
  await waitText(log("Bob"), /Still me, after the directory lied\./);
});

test("attack (e): a stolen state reads messages until the ratchet heals, classically then post-quantum", async () => {
  const text = await attack("e", "Steal Bob's state", /Post-quantum healing after round trip \d/);
  assert.match(text, /Before healing: Alice sent #\d+; Bob read it, and so did the attacker's copy: "The door code is 4711\."/);
  assert.match(text, /Attacker's copy on #\d+: AUTH_FAILED/);
  assert.match(text, /Classical healing after round trip \d: the attacker's copy fails with AUTH_FAILED/);
  // Post-quantum healing needs a whole PQ epoch whose key Alice made after the theft: dozens
  // of round trips, not one.
  const pqRound = Number(text.match(/Post-quantum healing after round trip (\d+)/)?.[1]);
  assert.ok(pqRound > 30, `post-quantum healing takes more than one round trip (took ${pqRound})`);
  assert.match(text, /PQ epoch \d+, the first whose ML-KEM-768 key Alice generated after the theft, is complete on both sides/);
  assert.match(text, /Alice sent that key in \d+ chunks of 40 B and Bob answered with the ciphertext in \d+ chunks/);
  assert.match(text, /No message of the run carried more than 100 B of overhead/);
  assert.match(text, /quantum computer/);
  assert.match(text, /70 to 105 message pairs/);
  // Only the first round trips are in the chat; the rest are summarised.
  const bobLog = await log("Bob").innerText();
  assert.match(bobLog, /Round trip 1: still there\?/);
  assert.doesNotMatch(bobLog, /Round trip 4:/);
  assert.match(bobLog, /round trips 4 to \d+ \(\d+ messages\) ran without chat entries/);
  await waitText(page.getByRole("region", { name: "Timeline entries" }), /PQ epoch \d+ complete: the root key now depends on a fresh ML-KEM secret/);
  assert.match(await region("Alice's ratchet").innerText(), /PQ epoch\s*ML-KEM secrets mixed in\s*[1-9]/);
  await shot("06-attacks-all");
  await panesShot("06-attacks-panes");
});

test("the server's manual controls: hold, reorder, tamper, deliver", async () => {
  await page.getByLabel("Hold messages (deliver by hand)").check();
  await waitText(status(), /The server now holds messages/);
  await send("Alice", "Held one");
  await send("Alice", "Held two");
  const queue = page.getByRole("list", { name: "Messages waiting at the server" });
  const deliver = queue.getByRole("button", { name: /^Deliver message #\d+$/ });
  await waitText(queue, /Alice → Bob[\s\S]*Alice → Bob/);
  assert.equal(await deliver.count(), 2);
  const [first, second] = await Promise.all([deliver.nth(0).getAttribute("aria-label"), deliver.nth(1).getAttribute("aria-label")]);
  await region("The server").screenshot({ path: `${shots}/07-server-holding.png` });
  await button(second).click(); // out of order
  await waitText(log("Bob"), /Held two/);
  await button(first).click();
  await waitText(log("Bob"), /Held one/);
  await send("Alice", "Held three");
  const tamper = queue.getByRole("button", { name: /^Tamper with message #\d+$/ });
  const tamperName = await tamper.getAttribute("aria-label");
  await button(tamperName).click();
  await waitText(queue, /tampered \(byte \d+\)/);
  await button(tamperName.replace("Tamper with", "Deliver")).click();
  await waitText(status(), /Bob rejected message #\d+: AUTH_FAILED/);
  await page.getByLabel("Hold messages (deliver by hand)").uncheck();
  await waitText(status(), /now delivers at once/);
  await panesShot("07-server-controls");
  noErrors();
});

test("a reload restores both parties and the conversation continues", async () => {
  await saved();
  await page.reload();
  await waitText(status(), /Restored from IndexedDB: the stores of Alice and Bob \([\d,]+ B sealed\) and the conversation/, 60_000);
  await waitText(log("Bob"), /Hi Bob! It's Alice\./);
  await waitText(log("Alice"), /Hi Alice, Bob here\./);
  await waitText(page.getByRole("status", { name: "Verification result" }), /Match/);
  await waitText(page.getByRole("region", { name: "Timeline entries" }), /Page loaded: opened the stores of Alice and Bob from IndexedDB/);
  await send("Alice", "Still there after the reload?");
  await waitText(log("Bob"), /Still there after the reload\?/);
  await send("Bob", "Yes: restored from IndexedDB.");
  await waitText(log("Alice"), /Yes: restored from IndexedDB\./);
  await shot("08-restored");
  noErrors();
});

test("second tab: two tabs of the demo stay consistent, even sending at once", async () => {
  const second = await browser.context.newPage();
  second.setDefaultTimeout(20_000);
  await second.setViewportSize({ width: 1280, height: 900 });
  const secondErrors = watchErrors(second);
  const on = (p) => ({
    log: (who) => p.getByRole("log", { name: `${who}'s conversation` }),
    tabs: () => p.getByRole("status", { name: "Other tabs" }),
    send: async (who, text) => {
      await p.getByLabel(`Message from ${who}`).fill(text);
      await p.getByRole("button", { name: `Send as ${who}`, exact: true }).click();
    },
  });
  const [one, two] = [on(page), on(second)];
  try {
    await second.goto(url);
    // The second tab opens the same stores and the same conversation.
    await waitText(second.getByRole("status", { name: "Latest outcome" }), /Restored from IndexedDB: the stores of Alice and Bob/, 60_000);
    await waitText(two.log("Bob"), /Yes: restored from IndexedDB\./);
    // Bob replies in the second tab: the first tab catches up without a reload.
    await two.send("Bob", "Written in the second tab.");
    await waitText(one.log("Alice"), /Written in the second tab\./);
    await waitText(one.tabs(), /Caught up with another tab at .* \(saved state #\d+\)/);
    // And back: Alice in the first tab, read by Bob in both.
    await one.send("Alice", "Read in both tabs.");
    await waitText(two.log("Bob"), /Read in both tabs\./);
    await waitText(two.tabs(), /Caught up with another tab/);

    // Both tabs send as Alice at once, and as Bob: every message decrypts exactly once.
    // Rejections shown in either chat of either tab.
    const rejected = async (p) => {
      let n = 0;
      for (const who of ["Alice", "Bob"]) n += (await on(p).log(who).innerText()).match(/rejected/g)?.length ?? 0;
      return n;
    };
    const before = [await rejected(page), await rejected(second)];
    const texts = { one: [], two: [] };
    const burst = async (tab, name) => {
      for (let i = 0; i < 6; i++) {
        const who = i % 3 === 2 ? "Bob" : "Alice";
        const text = `${name} tab, ${who}, message ${i}`;
        texts[name].push([who, text]);
        await tab.send(who, text);
        // Sent (the composer is free again) before this tab types the next one.
        await tab.log(who).filter({ hasText: text }).first().waitFor();
      }
    };
    await Promise.all([burst(one, "one"), burst(two, "two")]);
    const all = [...texts.one, ...texts.two];
    for (const p of [page, second]) {
      for (const [who, text] of all) {
        const reader = who === "Alice" ? "Bob" : "Alice";
        await on(p).log(reader).filter({ hasText: text }).first().waitFor();
      }
    }
    // Each message appears once in its reader's chat, in both tabs, and nothing was refused.
    for (const p of [page, second]) {
      for (const reader of ["Alice", "Bob"]) {
        const chat = await on(p).log(reader).innerText();
        for (const [who, text] of all) {
          if (who === reader) continue;
          assert.equal(chat.split(text).length - 1, 1, `${text} once in ${reader}'s chat`);
        }
      }
    }
    assert.deepEqual([await rejected(page), await rejected(second)], before, "no message was rejected");
    // Both tabs show the same ratchet state once the last notice arrived (within 10 s).
    await page.getByRole("button", { name: "Compare safety numbers", exact: true }).click();
    await waitText(page.getByRole("status", { name: "Verification result" }), /✔ Match/);
    const ratchets = (p) =>
      Promise.all(["Alice", "Bob"].map((who) => p.getByRole("region", { name: `${who}'s ratchet`, exact: true }).innerText()))
        .then((t) => t.join("\n").replace(/\d+ (s|min) ago/g, ""));
    let same = false;
    for (let i = 0; i < 50 && !same; i++) {
      same = (await ratchets(page)) === (await ratchets(second));
      if (!same) await page.waitForTimeout(200);
    }
    assert.equal(await ratchets(second), await ratchets(page), "the ratchet states are the same in both tabs");
    await waitText(second.getByRole("status", { name: "Verification result" }), /✔ Match/);
    await second.screenshot({ path: `${shots}/08-second-tab.png`, fullPage: true });
    assert.deepEqual(secondErrors, [], "no console errors in the second tab");
  } finally {
    await second.close();
  }
  noErrors();
});

test("phone width: the panes stack and nothing overflows", async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  const boxes = await Promise.all(["Alice", "The server", "Bob"].map((n) => region(n).boundingBox()));
  assert.ok(boxes[0].y + boxes[0].height <= boxes[1].y, "server below Alice");
  assert.ok(boxes[1].y + boxes[1].height <= boxes[2].y, "Bob below the server");
  for (const b of boxes) assert.ok(b.width <= 390 && b.x >= 0, "pane fits the screen");
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 390, `no horizontal scrolling (${width}px)`);
  await page.getByRole("heading", { level: 1 }).scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${shots}/09-phone.png` });
  await region("Alice").screenshot({ path: `${shots}/09-phone-alice.png` });
  await region("The server").screenshot({ path: `${shots}/09-phone-server.png` });
  await page.getByRole("article").filter({ has: button("Steal Bob's state") }).screenshot({ path: `${shots}/09-phone-attack-e.png` });
  await shot("09-phone-full");
  await page.setViewportSize({ width: 1280, height: 900 });
  noErrors();
});

test("reset wipes the saved demo", async () => {
  await button("Reset demo").click();
  await waitText(status(), /Reset done/);
  await waitText(log("Bob"), /Nothing received yet/);
  await page.reload();
  await waitText(status(), /Ready\. Step 1: Bob publishes his prekeys/, 60_000);
  assert.match(await region("The server").innerText(), /No upload yet/);
  noErrors();
});

test("a demo saved by an earlier version of the page is set aside with a note, not a crash", async () => {
  // What earlier pages left: one key in localStorage, used directly for everything, and a
  // version 1 record sealed with it.
  await page.evaluate(async () => {
    localStorage.setItem("twofold-demo-key", "5a".repeat(32));
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open("twofold-demo", 1);
      req.onupgradeneeded = () => req.result.createObjectStore("state");
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const filler = (n) => crypto.getRandomValues(new Uint8Array(n));
    const record = {
      version: 1,
      savedAt: Date.now(),
      sealed: { aliceIdentity: filler(200), aliceSession: filler(900), bobIdentity: filler(200), bobStore: filler(900), bobSession: filler(900) },
      transcript: filler(400),
    };
    await new Promise((resolve, reject) => {
      const tx = db.transaction("state", "readwrite");
      tx.objectStore("state").put(record, "current");
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  });
  await page.reload();
  await waitText(status(), /Ready\. A demo saved by an earlier version of this page was found\. .* cannot be opened: starting fresh\./, 60_000);
  assert.equal(await status().getAttribute("data-tone"), "warn");
  assert.match(await region("The server").innerText(), /No upload yet/);
  assert.equal(await page.evaluate(() => localStorage.getItem("twofold-demo-key")), null, "the old key is gone");
  // The old record was deleted: the next load starts as a first visit.
  await page.reload();
  await waitText(status(), /Ready\. Step 1: Bob publishes his prekeys/, 60_000);
  noErrors();
});

test("Alice's switch: a self-contained first message carries her identity; Bob needs no directory", async () => {
  // After the previous test the demo is fresh (nothing saved).
  const selfContained = page.getByLabel("Alice sends her identity in the message (self-contained)");
  await selfContained.check();
  await waitText(status(), /Alice's first message will carry her identity \(self-contained\)/);
  assert.match(await region("Alice").innerText(), /Self-contained: her first message carries her whole 5,296 B public identity/);
  await button("Publish prekeys").click();
  await waitText(region("The server"), /Bob's upload/);
  await page.getByLabel("Message from Alice").fill("Hi Bob! It's Alice.");
  await button("Fetch Bob's bundle & send").click();
  await waitText(log("Bob"), /Hi Bob! It's Alice\./);
  // 6,629 bytes with a 100-byte plaintext; this one has 19.
  const srv = await region("The server").innerText();
  assert.match(srv, /#1 Alice → Bob · 6,548 B/);
  assert.match(srv, /initial message \(self-contained: Alice's public identity\)/);
  const t = await page.getByRole("region", { name: "Timeline entries" }).innerText();
  assert.match(t, /a self-contained initial message carrying her whole public identity/);
  assert.match(t, /Accepted initial message #1: checked the identity the message carries/);
  assert.doesNotMatch(t, /Looked up the initiator fingerprint/, "no directory lookup");
  assert.match(await log("Bob").innerText(), /initial message \(self-contained\)/);
  await panesShot("10-self-contained");
  noErrors();
});
