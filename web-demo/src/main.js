// Entry point: loads twofold-pq, restores a saved demo (or starts a new one), wires the page, and
// keeps this tab in step with the demo's other tabs.
import "./style.css";
import { version } from "twofold-pq";
import { ready } from "twofold-pq/server";
import { ATTACKS } from "./attacks.js";
import { Demo } from "./demo.js";
import { secretTag } from "./storage.js";
import { bind, render } from "./view.js";

/** The lock every tab of the demo takes for an action, and the channel they tell each other on. */
const TAB_LOCK = "twofold-demo";
const TAB_CHANNEL = "twofold-demo";

const status = document.getElementById("status");

async function main() {
  const t0 = performance.now();
  // The server's module (its ready() loads the client's too): the page plays the server.
  await ready();
  const loadMs = performance.now() - t0;
  const demo = await Demo.create(() => render(demo));
  demo.log("Demo", `Loaded twofold-pq ${version()} and twofold-pq/server (WebAssembly) in this browser`, { ms: loadMs });
  let restored = false;
  try {
    restored = await navigator.locks.request(TAB_LOCK, () => demo.restore());
  } catch (e) {
    demo.say(`Could not read the saved demo (${e.message}); starting fresh without it.`, "warn");
  }
  if (!restored) {
    if (!demo.status.text) demo.say("Ready. Step 1: Bob publishes his prekeys.");
    else demo.status.text = `Ready. ${demo.status.text}`;
  }

  // One action at a time across every tab of the demo: catch up with what another tab saved,
  // act, save, and tell the other tabs (which catch up under the same lock).
  const channel = new BroadcastChannel(TAB_CHANNEL);
  const locked = (fn) => navigator.locks.request(TAB_LOCK, fn);
  let attackRuns = 0;
  /** Runs one user action: protocol work through the stores, then save and re-render. */
  const act = (fn) =>
    locked(async () => {
      // Another tab reset the demo (its notice may still be on its way): this tab's keys and
      // stores are gone with it, so start again rather than act on them.
      if (secretTag() !== demo.secret) return location.reload();
      try {
        await demo.sync();
      } catch (e) {
        // Not caught up: acting or saving now could overwrite what another tab saved.
        demo.say(`Could not catch up with the saved demo: ${e.code ? `${e.code}: ` : ""}${e.message}. Nothing was done; try again.`, "error");
        console.error(e);
        return render(demo);
      }
      try {
        await fn();
      } catch (e) {
        demo.say(`Unexpected error: ${e.code ? `${e.code}: ` : ""}${e.message}`, "error");
        console.error(e);
      }
      demo.tabSync = null;
      // Saved even after an error: the stores may have committed part of the action.
      if (demo.bob.store || demo.alice.store) {
        const seq = await demo.save();
        channel.postMessage({ seq });
      }
      render(demo);
    });
  channel.onmessage = (ev) => {
    // A reset elsewhere replaced the demo secret and every key: start again from the storage.
    if (ev.data?.reset) return location.reload();
    locked(async () => {
      if (secretTag() !== demo.secret) return location.reload();
      if (await demo.sync()) render(demo);
    }).catch((e) => console.error(e));
  };

  bind(demo, act);
  for (const [key, run] of Object.entries(ATTACKS)) {
    document.getElementById(`attack-${key}`).addEventListener("click", () =>
      act(async () => {
        if (!demo.established) return;
        const outcome = await run(demo);
        demo.attacks[key] = { ...outcome, run: `${Date.now()}-${++attackRuns}` };
        demo.say(`Attack (${key}) done: ${outcome.title}. Read what happened below its button.`, "info");
      }),
    );
  }
  document.getElementById("reset").addEventListener("click", () =>
    locked(async () => {
      await demo.wipe();
      channel.postMessage({ reset: true });
      demo.log("Demo", "Reset: deleted the saved state and the demo secret (a new one, with new keys, replaces it)");
      demo.say("Reset done. Ready. Step 1: Bob publishes his prekeys.");
      document.getElementById("alice-input").value = "Hi Bob! It's Alice.";
      document.getElementById("bob-input").value = "";
      render(demo);
    }),
  );
  render(demo);
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  status.textContent = `The demo could not start: ${e.code ? `${e.code}: ` : ""}${e.message}`;
  status.dataset.tone = "error";
  console.error(e);
});
