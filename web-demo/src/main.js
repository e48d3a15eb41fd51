// Entry point: loads twofold-pq, restores a saved demo (or starts a new one) and wires the page.
import "./style.css";
import { version } from "twofold-pq";
import { ready } from "twofold-pq/server";
import { ATTACKS } from "./attacks.js";
import { Demo } from "./demo.js";
import { bind, render } from "./view.js";

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
    restored = await demo.restore();
  } catch (e) {
    demo.say(`Could not read the saved demo (${e.message}); starting fresh without it.`, "warn");
  }
  if (!restored) {
    if (!demo.status.text) demo.say("Ready. Step 1: Bob publishes his prekeys.");
    else demo.status.text = `Ready. ${demo.status.text}`;
  }

  let attackRuns = 0;
  /** Runs one user action: protocol work, then save and re-render. */
  const act = (fn) => {
    try {
      fn();
    } catch (e) {
      demo.say(`Unexpected error: ${e.code ? `${e.code}: ` : ""}${e.message}`, "error");
      console.error(e);
    }
    if (demo.bob.identity || demo.alice.identity) demo.persist();
    render(demo);
  };

  bind(demo, act);
  for (const [key, run] of Object.entries(ATTACKS)) {
    document.getElementById(`attack-${key}`).addEventListener("click", () =>
      act(() => {
        if (!demo.established) return;
        const outcome = run(demo);
        demo.attacks[key] = { ...outcome, run: `${Date.now()}-${++attackRuns}` };
        demo.say(`Attack (${key}) done: ${outcome.title}. Read what happened below its button.`, "info");
      }),
    );
  }
  document.getElementById("reset").addEventListener("click", async () => {
    await demo.wipe();
    demo.log("Demo", "Reset: deleted the saved state and the demo secret (a new one, with new keys, replaces it)");
    demo.say("Reset done. Ready. Step 1: Bob publishes his prekeys.");
    document.getElementById("alice-input").value = "Hi Bob! It's Alice.";
    document.getElementById("bob-input").value = "";
    render(demo);
  });
  render(demo);
  document.body.dataset.ready = "true";
}

main().catch((e) => {
  status.textContent = `The demo could not start: ${e.code ? `${e.code}: ` : ""}${e.message}`;
  status.dataset.tone = "error";
  console.error(e);
});
