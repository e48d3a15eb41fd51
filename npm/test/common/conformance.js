// Checks shared by the Node and the Chromium runs of the package (same code, same bytes):
// 1. the protocol vectors in vectors/ give the same results through the npm API as natively
//    (bundles a server composes from an upload, byte for byte, among them; what an initial
//    message of either form names, and the identity its responder must supply);
// 2. every entry point fed garbage, truncated, oversized and wrong-type input throws a
//    TwofoldError with a documented code (never another error, never a wasm trap), and the
//    module still works afterwards.
//
// `api` is the package's module namespace; `load(path)` returns the parsed JSON of a file
// under vectors/. Returns the number of checks made; throws on the first failure.

const hex = (s) => Uint8Array.from(s.match(/../g) ?? [], (h) => parseInt(h, 16));
const text = (s) => new TextEncoder().encode(s);
const str = (b) => new TextDecoder().decode(b);

function fail(message) {
  throw new Error(`conformance: ${message}`);
}

function eq(a, b, what) {
  const sa = JSON.stringify(a, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v));
  const sb = JSON.stringify(b, (_, v) => (v instanceof Uint8Array ? Array.from(v) : v));
  if (sa !== sb) fail(`${what}: ${sa} != ${sb}`);
}

function code(api, fn) {
  try {
    fn();
  } catch (e) {
    if (e instanceof api.TwofoldError && api.ERROR_CODES.includes(e.code)) return e.code;
    fail(`threw a non-Twofold error: ${e?.name}: ${e?.message}`);
  }
  return "OK";
}

export async function conformance(api, load) {
  let checks = 0;
  const check = () => checks++;

  // --- 1a. handshake vectors: uploads, composed bundles, identities, safety numbers, the
  // initiator an initial message names ---
  for (const variant of ["full", "no_one_time_prekey", "no_one_time_kem", "last_resort_only", "self_contained"]) {
    const v = await load(`handshake/${variant}.json`);
    eq(api.composeBundle(hex(v.upload), v.bundle_index), hex(v.bundle), `${variant} composed bundle`);
    const info = api.inspectBundle(hex(v.bundle));
    eq(info.signedPrekeyId, v.bundle_ids.signed_prekey, `${variant} signed prekey id`);
    eq(info.oneTimePrekeyId, v.bundle_ids.one_time_prekey, `${variant} one-time id`);
    eq(info.oneTimeKemPrekeyId, v.bundle_ids.one_time_kem_prekey, `${variant} kem id`);
    eq(info.identity, hex(v.bob.identity.public), `${variant} bundle identity`);
    eq(info.createdAt, v.bob.created_at, `${variant} bundle creation time`);
    eq(
      api.safetyNumberOf(hex(v.alice.identity.public), hex(v.bob.identity.public)),
      v.safety_number,
      `${variant} safety number`,
    );
    eq(api.messageKind(hex(v.initial_message)), "initial", `${variant} message kind`);
    const alicePublic = hex(v.alice.identity.public);
    const named = api.describeMessage(hex(v.initial_message)).handshake;
    eq(named.selfContained, v.form === "self_contained", `${variant} form`);
    eq(named.initiatorKey, alicePublic.subarray(3, 35), `${variant} initiator key`);
    eq(named.initiatorFingerprint, api.fingerprintOf(alicePublic), `${variant} initiator fingerprint`);
    // What Bob's directory supplies to accept: Alice's identity for the compact form, none for
    // the self-contained one (it carries it).
    eq(v.initiator_identity_supplied, v.form === "self_contained" ? null : v.alice.identity.public, `${variant} supplied`);
    eq(hex(v.initial_message).length, v.sizes.initial_message, `${variant} message length`);
    check();
  }

  // --- 1b. upload batches: what a server composes from each upload, for every index ---
  const ub = await load("upload/batches.json");
  for (const batch of ub.batches) {
    const upload = hex(batch.upload);
    const info = api.inspectUpload(upload);
    eq([info.batchId, info.leafCount], [batch.batch_id, batch.leaves.length], `${batch.call}: batch id, leaf count`);
    eq(info.identity, hex(ub.bob.identity.public), `${batch.call}: identity`);
    eq(info.createdAt, ub.bob.created_at, `${batch.call}: creation time`);
    eq(api.verifyUpload(upload), info, `${batch.call}: verifies`);
    for (const b of batch.bundles) {
      const bundle = api.composeBundle(upload, b.index);
      eq(bundle, hex(b.bundle), `${batch.call}: bundle ${b.index}`);
      eq(bundle.length, b.length, `${batch.call}: bundle ${b.index} length`);
    }
    eq(
      code(api, () => api.composeBundle(upload, batch.leaves.length)),
      "LIMIT_EXCEEDED",
      `${batch.call}: index = leaf count`,
    );
    check();
  }

  // --- 1c. rejections, each with its code ---
  const r = await load("handshake/rejections.json");
  const key = hex(r.app_key);
  const bob = api.Identity.open(hex(r.responder_identity_blob), key);
  const ad = { associatedData: hex(r.associated_data), now: r.now };
  // The options of accept with an initiator identity supplied (hex, or null for none).
  const acceptOpts = (id) => (id === null ? ad : { ...ad, initiatorIdentity: hex(id) });
  const validId = bob.publicKey;
  const initiator = api.Identity.generate();
  const objects = new Set();
  for (const c of r.cases) {
    const bytes = hex(c.bytes);
    objects.add(c.object);
    let got;
    if (c.object === "bundle") {
      got = code(api, () => api.inspectBundle(bytes));
    } else if (c.object === "bundle_at") {
      const opts = { now: c.now, maxPrekeyAge: c.max_prekey_age };
      got = code(api, () => api.Session.initiate(initiator, bytes, text("p"), opts).session.dispose());
    } else if (c.object === "upload") {
      got = code(api, () => api.verifyUpload(bytes));
    } else if (c.object === "identity") {
      got = code(api, () => api.safetyNumberOf(bytes, validId));
    } else {
      const store = api.PrekeyStore.open(hex(r.responder_store_blob), key, bob);
      if (c.after) api.Session.accept(bob, store, hex(r.initial_message), acceptOpts(r.initiator_identity)).session.dispose();
      const before = store.info();
      got = code(api, () => api.Session.accept(bob, store, bytes, acceptOpts(c.initiator_identity)));
      eq(store.info(), before, `${c.name}: store changed`);
      store.dispose();
    }
    eq(got, c.error, c.name);
    check();
  }
  eq([...objects].sort(), ["bundle", "bundle_at", "identity", "initial_message", "upload"], "case objects");
  initiator.dispose();
  {
    const store = api.PrekeyStore.open(hex(r.responder_store_blob), key, bob);
    const before = store.info();
    eq(
      code(api, () => api.Session.accept(bob, store, hex(r.initial_message), ad)),
      "IDENTITY_REQUIRED",
      "valid compact initial message without the initiator's identity",
    );
    const { session, plaintext } = api.Session.accept(bob, store, hex(r.initial_message), acceptOpts(r.initiator_identity));
    eq(str(plaintext), r.plaintext, "valid initial message");
    eq(session.peerFingerprint(), api.fingerprintOf(hex(r.initiator_identity)), "peer fingerprint");
    const after = store.info();
    eq(
      [after.oneTimeHeld, after.oneTimeKemHeld],
      [before.oneTimeHeld - 1, before.oneTimeKemHeld - 1],
      "one-time prekeys consumed",
    );
    session.dispose();
    store.dispose();
    check();
  }

  // --- 1d. state format 1: identities open; sessions and prekey stores are refused ---
  const s = await load("state/v1.json");
  const sk = hex(s.app_key);
  eq(api.Identity.open(hex(s.alice_identity), sk).publicKey, hex(s.alice_identity_public), "v1 alice");
  const sbob = api.Identity.open(hex(s.bob_identity), sk);
  eq(sbob.publicKey, hex(s.bob_identity_public), "v1 bob");
  eq(code(api, () => api.Session.open(hex(s.alice_session), sk)), "UNSUPPORTED_VERSION", "v1 alice session");
  eq(code(api, () => api.Session.open(hex(s.bob_session), sk)), "UNSUPPORTED_VERSION", "v1 bob session");
  eq(code(api, () => api.PrekeyStore.open(hex(s.bob_prekey_store), sk, sbob)), "UNSUPPORTED_VERSION", "v1 store");
  const vstore = api.PrekeyStore.generate(sbob);
  eq(
    code(api, () => api.Session.accept(sbob, vstore, hex(s.store_accepts.message))),
    "UNSUPPORTED_VERSION",
    "v1 initial message",
  );
  eq(code(api, () => api.Session.open(hex(s.alice_identity), sk)), "WRONG_OBJECT_TYPE", "v1 type");
  vstore.dispose();
  check();

  // --- 1e. ratchet rejections (wire version 2) and the mid-epoch snapshots ---
  const rj = await load("ratchet/rejections.json");
  const rk = hex(rj.app_key);
  for (const c of rj.cases) {
    if (c.object === "ratchet_message") {
      const bob = api.Session.open(hex(c.session === "alice" ? rj.alice_session : rj.bob_session), rk);
      const before = bob.seal(rk).length;
      eq(code(api, () => bob.decrypt(hex(c.bytes))), c.error, c.name);
      eq(bob.seal(rk).length, before, `${c.name}: state size`);
      bob.dispose();
    } else {
      eq(code(api, () => api.Session.open(hex(c.bytes), hex(c.key))), c.error, c.name);
    }
    check();
  }
  for (const name of ["fault", "fault_restored_responder"]) {
    const fv = await load(`ratchet/${name}.json`);
    const fb = api.Session.open(hex(fv.bob_session), hex(fv.app_key));
    fv.messages.forEach((m, i) => {
      eq(code(api, () => fb.decrypt(hex(m.message))), m.outcome, `${name} message ${i}`);
      check();
    });
    eq(fb.info().pqFaults, fv.final.pq_faults, `${name}: faults counted`);
    eq(fb.info().pqChunksReceived, fv.final.pq_chunks_received, `${name}: chunks held`);
    if (fv.final.pq_receiving_epoch !== undefined) {
      eq(fb.info().pqReceivingEpoch, fv.final.pq_receiving_epoch, `${name}: epoch collected`);
    }
    fb.dispose();
    check();
  }
  for (const name of ["ping_pong", "burst", "lossy"]) {
    const v = await load(`ratchet/${name}.json`);
    for (const who of ["alice", "bob"]) {
      const session = api.Session.open(hex(v.snapshot[`${who}_session`]), hex(v.snapshot.app_key));
      const info = session.info();
      eq(info.pqEpoch, v.final[who].pq_epoch, `${name} ${who} epoch`);
      eq(info.pqChunksReceived, v.final[who].pq_chunks_received, `${name} ${who} chunks`);
      session.dispose();
      check();
    }
  }

  // --- 1f. sealed boxes: both modes open from the sealed store, each rejection its code ---
  const bx = await load("box/sealed_box.json");
  const bk = hex(bx.app_key);
  const boxOwner = api.Identity.open(hex(bx.bob.identity_blob), bk, { context: text("box vectors identity") });
  const boxStore = api.PrekeyStore.open(hex(bx.bob.prekey_store_blob), bk, boxOwner, {
    context: text("box vectors store"),
  });
  const boxSenderId = hex(bx.alice.identity.public);
  for (const b of bx.boxes) {
    const authenticated = b.mode === "sender_authenticated";
    const sealed = hex(b.box);
    const info = api.describeBox(sealed);
    eq([info.authenticated, info.boxId], [authenticated, hex(b.values.box_id)], `box ${b.mode}: described`);
    eq(boxStore.boxSender(sealed), authenticated ? api.fingerprintOf(boxSenderId) : null, `box ${b.mode}: sender`);
    const opened = boxStore.openBox(sealed, {
      associatedData: hex(b.associated_data),
      sender: authenticated ? boxSenderId : undefined,
    });
    eq(opened.plaintext, hex(b.plaintext), `box ${b.mode}: plaintext`);
    check();
  }
  const boxInfo = boxStore.info();
  for (const c of bx.rejections) {
    const opts = { associatedData: hex(c.associated_data), sender: c.sender === null ? undefined : hex(c.sender) };
    eq(code(api, () => boxStore.openBox(hex(c.box), opts)), c.code, `box rejection: ${c.name}`);
    check();
  }
  eq(boxStore.info(), boxInfo, "box rejections leave the store unchanged");
  boxStore.dispose();
  boxOwner.dispose();

  // --- 2. garbage at every entry point ---
  const alice = api.Identity.generate();
  const bobId = api.Identity.generate();
  const store = api.PrekeyStore.generate(bobId);
  const upload = store.upload({ oneTime: 3 });
  const bundle = api.composeBundle(upload, 0);
  const boxBundle = api.composeBundle(upload, null);
  const sealedBox = api.sealBox(boxBundle, text("boxed"), { from: alice });
  const { session: sa, message: initial } = api.Session.initiate(alice, bundle, text("hi"));
  const initiatorIdentity = alice.publicKey;
  const { session: sb } = api.Session.accept(bobId, store, initial, { initiatorIdentity });
  const whole = api.Session.initiate(alice, api.composeBundle(upload, 1), text("hi"), { selfContained: true });
  whole.session.dispose();
  const msg = sb.encrypt(text("ratchet"));
  const appKey = new Uint8Array(32).fill(1);
  const blob = sa.seal(appKey);
  const rnd = (n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
    return out;
  };
  const oversized = new Uint8Array(5 * 1024 * 1024);
  oversized.set([1, 4, 1]);
  const garbage = [
    undefined, null, 0, -1, 1e300, NaN, "text", {}, [1, 2, 3], true, Symbol("s"),
    new Uint8Array(0), new Uint8Array(1), new Uint8Array(3).fill(1), rnd(64), rnd(5000),
    bundle.slice(0, 100), bundle.slice(0, bundle.length - 1), upload.slice(0, upload.length - 1),
    initial.slice(0, 200), whole.message.slice(0, 5400),
    initial.slice(0, initial.length - 3), msg.slice(0, 40), msg.slice(0, msg.length - 1),
    oversized, validId, bundle, upload, initial, whole.message, msg, blob, new Uint16Array(4), new ArrayBuffer(8),
  ];
  const entry = {
    "Identity.open(blob)": (x) => api.Identity.open(x, appKey),
    "Identity.open(key)": (x) => api.Identity.open(alice.seal(appKey), x),
    "identity.seal": (x) => alice.seal(x),
    "PrekeyStore.generate(options)": (x) => api.PrekeyStore.generate(bobId, x),
    "PrekeyStore.generate(now)": (x) => api.PrekeyStore.generate(bobId, { now: x }),
    "PrekeyStore.open(blob)": (x) => api.PrekeyStore.open(x, appKey, bobId),
    "store.upload(options)": (x) => store.upload(x),
    "store.upload(oneTime)": (x) => store.upload({ oneTime: x }),
    "store.upload(x25519)": (x) => store.upload({ oneTime: 0, x25519: x }),
    "store.upload(kem)": (x) => store.upload({ oneTime: 0, kem: x }),
    "store.rotateSignedPrekeys": (x) => store.rotateSignedPrekeys(x),
    "store.prune": (x) => store.prune(x),
    "store.seal": (x) => store.seal(x),
    "Session.initiate(bundle)": (x) => api.Session.initiate(alice, x, text("p")),
    "Session.initiate(plaintext)": (x) => api.Session.initiate(alice, bundle, x),
    "Session.initiate(ad)": (x) => api.Session.initiate(alice, bundle, text("p"), { associatedData: x }),
    "Session.initiate(maxPrekeyAge)": (x) => api.Session.initiate(alice, bundle, text("p"), { maxPrekeyAge: x }),
    "Session.initiate(selfContained)": (x) => api.Session.initiate(alice, bundle, text("p"), { selfContained: x }),
    "Session.accept(message)": (x) => api.Session.accept(bobId, store, x, { initiatorIdentity }),
    "Session.accept(message, no identity)": (x) => api.Session.accept(bobId, store, x),
    "Session.accept(initiatorIdentity)": (x) => api.Session.accept(bobId, store, initial, { initiatorIdentity: x }),
    "Session.accept(now)": (x) => api.Session.accept(bobId, store, initial, { now: x, initiatorIdentity }),
    "session.encrypt": (x) => sa.encrypt(x),
    "session.encrypt(now)": (x) => sa.encrypt(text("p"), { now: x }),
    "session.decrypt": (x) => sa.decrypt(x),
    "session.decrypt(ad)": (x) => sa.decrypt(msg, { associatedData: x }),
    "session.info": (x) => sa.info(x),
    "session.matchesSafetyQr": (x) => sa.matchesSafetyQr(x),
    "session.seal": (x) => sa.seal(x),
    "Session.open(blob)": (x) => api.Session.open(x, appKey),
    "Session.open(key)": (x) => api.Session.open(blob, x),
    "messageKind": (x) => api.messageKind(x),
    "describeMessage": (x) => api.describeMessage(x),
    "safetyNumberOf": (x) => api.safetyNumberOf(x, validId),
    "inspectBundle": (x) => api.inspectBundle(x),
    "inspectUpload": (x) => api.inspectUpload(x),
    "verifyUpload": (x) => api.verifyUpload(x),
    "fingerprintOf": (x) => api.fingerprintOf(x),
    "composeBundle(upload)": (x) => api.composeBundle(x, null),
    "composeBundle(index)": (x) => api.composeBundle(upload, x),
    "sealBox(bundle)": (x) => api.sealBox(x, text("p")),
    "sealBox(plaintext)": (x) => api.sealBox(boxBundle, x),
    "sealBox(options)": (x) => api.sealBox(boxBundle, text("p"), x),
    "sealBox(from)": (x) => api.sealBox(boxBundle, text("p"), { from: x }),
    "sealBox(recipient)": (x) => api.sealBox(boxBundle, text("p"), { recipient: x }),
    "store.openBox": (x) => store.openBox(x),
    "store.openBox(sender)": (x) => store.openBox(sealedBox, { sender: x }),
    "store.openBox(ad)": (x) => store.openBox(sealedBox, { associatedData: x }),
    "store.boxSender": (x) => store.boxSender(x),
    "describeBox": (x) => api.describeBox(x),
  };
  const seen = new Set();
  for (const [name, fn] of Object.entries(entry)) {
    for (const x of garbage) {
      let result;
      try {
        result = fn(x);
      } catch (e) {
        if (!(e instanceof api.TwofoldError) || !api.ERROR_CODES.includes(e.code)) {
          fail(`${name}(${describe(x)}) threw ${e?.constructor?.name}: ${e?.message}`);
        }
        seen.add(e.code);
        continue;
      }
      // Accepted input must have been meaningful: dispose what it created.
      for (const v of Object.values(result ?? {})) v?.dispose?.();
      result?.dispose?.();
    }
    check();
  }
  for (const c of ["INVALID_ARGUMENT", "TRUNCATED", "TOO_LARGE", "WRONG_OBJECT_TYPE", "AUTH_FAILED", "LIMIT_EXCEEDED", "IDENTITY_REQUIRED", "INITIATOR_MISMATCH"]) {
    if (!seen.has(c)) fail(`garbage never produced ${c}`);
  }
  // The module is intact: the session still decrypts the genuine message, and a new
  // handshake works.
  eq(str(sa.decrypt(sb.encrypt(text("again")))), "again", "session survives garbage");
  const b2 = api.PrekeyStore.generate(bobId);
  const x = api.Session.initiate(alice, api.composeBundle(b2.upload({ oneTime: 1 }), 0), text("after"));
  eq(str(api.Session.accept(bobId, b2, x.message, { initiatorIdentity }).plaintext), "after", "module alive");
  check();
  return checks;
}

function describe(x) {
  if (x instanceof Uint8Array) return `Uint8Array(${x.length})`;
  if (typeof x === "symbol") return "symbol";
  if (x === undefined) return "undefined";
  try {
    return JSON.stringify(x)?.slice(0, 20) ?? String(x);
  } catch {
    return String(x);
  }
}
