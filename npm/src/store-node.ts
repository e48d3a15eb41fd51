/**
 * Node entry point of `twofold-pq/store` (export condition `node`): loads the WebAssembly
 * module as the package's Node entry point does, re-exports the store, and adds a file-backed
 * {@link Backend}, `FileBackend`.
 *
 * Each key is a file under `<dir>/data/` (named by the hex of the key's UTF-8 bytes). A commit
 * is atomic through a redo journal:
 *
 * 1. every new value is written to its own file in `<dir>/tmp/` and fsynced, then `<dir>/tmp/`
 *    is fsynced;
 * 2. the journal (the list of renames and deletions) is written to `<dir>/journal.tmp`,
 *    fsynced and renamed to `<dir>/journal`, and the directory fsynced: this rename is the
 *    commit point;
 * 3. the renames and deletions are applied and `<dir>/data/` fsynced;
 * 4. the journal is deleted and the directory fsynced.
 *
 * Opening the backend completes a commit whose journal exists (step 3 is idempotent: a
 * temporary file the journal names and that is gone was moved into place) and removes the
 * temporary files of one that never reached its commit point. If step 3 or 4 fails in a
 * running process, the commit is past its commit point: the backend completes it before any
 * further read or commit (and fails those until it can), so the state seen is always the old
 * one or the new one, never a mix. Commits of one backend object run one at a time. One
 * `FileBackend` per directory and one process per directory: opening a second one on a
 * directory in use would discard the first one's commit in progress.
 *
 * @packageDocumentation
 */

import * as nodeFs from "node:fs/promises";
import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import "./node.js";
import type { Backend, Write } from "./store.js";

export * from "./store.js";

/** The file operations the backend uses (`node:fs/promises`); tests substitute failing ones. */
export interface FileSystem {
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: true }): Promise<void>;
  open(path: string, flags: string): Promise<{ write(data: Uint8Array): Promise<unknown>; sync(): Promise<void>; close(): Promise<void> }>;
}

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });
const hexOf = (key: string) => Array.from(enc.encode(key), (b) => b.toString(16).padStart(2, "0")).join("");

function keyOf(name: string): string | undefined {
  if (!/^(?:[0-9a-f]{2})+$/.test(name)) return undefined;
  const bytes = new Uint8Array(name.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(name.slice(2 * i, 2 * i + 2), 16);
  try {
    return dec.decode(bytes);
  } catch {
    return undefined;
  }
}

const isMissing = (e: unknown) => (e as { code?: unknown } | null)?.code === "ENOENT";

/** One step of a journal: move a written file into place, or delete a key's file. */
type Step = { key: string; tmp: string } | { key: string; tmp: null };

/** A {@link Backend} in a directory; see the module's documentation for the commit protocol. */
export class FileBackend implements Backend {
  readonly #dir: string;
  readonly #fs: FileSystem;
  /** Names the store lock of every `TwofoldStore` on this directory. */
  readonly id: string;
  /** A commit passed its commit point but was not completed: complete it before anything else. */
  #pending = false;
  /** The commits (and reads), one after the other. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(dir: string, fs: FileSystem) {
    this.#dir = dir;
    this.#fs = fs;
    this.id = `file:${resolve(dir)}`;
  }

  /** Opens (creating it if needed) the backend in `dir`, completing or discarding a commit a crash interrupted. */
  static async open(dir: string, fs: FileSystem = nodeFs as unknown as FileSystem): Promise<FileBackend> {
    if (typeof dir !== "string") throw new TypeError("dir must be a string");
    const b = new FileBackend(dir, fs);
    await fs.mkdir(join(dir, "data"), { recursive: true });
    await fs.mkdir(join(dir, "tmp"), { recursive: true });
    await b.#recover();
    return b;
  }

  /** Runs `fn` after the operations before it, first completing a commit left half done. */
  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(async () => {
      if (this.#pending) {
        await this.#recover();
        this.#pending = false;
      }
      return fn();
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #recover(): Promise<void> {
    let journal: Uint8Array | undefined;
    try {
      journal = await this.#fs.readFile(join(this.#dir, "journal"));
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
    if (journal !== undefined) {
      // Past the commit point: finish it. A step whose temporary file is gone was applied.
      let steps: Step[];
      try {
        steps = JSON.parse(dec.decode(journal)) as Step[];
      } catch (e) {
        // The journal is renamed into place only once complete and fsynced.
        throw new Error(`the journal in ${this.#dir} is corrupt`, { cause: e });
      }
      await this.#apply(steps, true);
    }
    // Temporary files of commits that never reached their commit point.
    await this.#fs.rm(join(this.#dir, "journal.tmp"), { force: true });
    for (const name of await this.#fs.readdir(join(this.#dir, "tmp"))) {
      await this.#fs.rm(join(this.#dir, "tmp", name), { force: true });
    }
  }

  async #writeFile(path: string, data: Uint8Array): Promise<void> {
    const f = await this.#fs.open(path, "w");
    try {
      await f.write(data);
      await f.sync();
    } finally {
      await f.close();
    }
  }

  async #syncDir(path: string): Promise<void> {
    const d = await this.#fs.open(path, "r");
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  }

  async #apply(steps: Step[], recovering: boolean): Promise<void> {
    for (const step of steps) {
      const target = join(this.#dir, "data", hexOf(step.key));
      if (step.tmp === null) {
        await this.#fs.rm(target, { force: true });
        continue;
      }
      try {
        await this.#fs.rename(join(this.#dir, "tmp", step.tmp), target);
      } catch (e) {
        if (!(recovering && isMissing(e))) throw e;
      }
    }
    await this.#syncDir(join(this.#dir, "data"));
    await this.#fs.rm(join(this.#dir, "journal"), { force: true });
    await this.#syncDir(this.#dir);
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.#serial(async () => {
      try {
        return new Uint8Array(await this.#fs.readFile(join(this.#dir, "data", hexOf(key))));
      } catch (e) {
        if (isMissing(e)) return undefined;
        throw e;
      }
    });
  }

  keys(prefix: string): Promise<string[]> {
    return this.#serial(async () => {
      const names = await this.#fs.readdir(join(this.#dir, "data"));
      return names.map(keyOf).filter((k): k is string => k !== undefined && k.startsWith(prefix));
    });
  }

  commit(writes: readonly Write[]): Promise<void> {
    return this.#serial(async () => {
      const steps: Step[] = [];
      for (const [key, value] of writes) {
        if (value === undefined) {
          steps.push({ key, tmp: null });
          continue;
        }
        const tmp = randomUUID();
        await this.#writeFile(join(this.#dir, "tmp", tmp), value);
        steps.push({ key, tmp });
      }
      // The temporary files' names are durable before the journal names them.
      await this.#syncDir(join(this.#dir, "tmp"));
      await this.#writeFile(join(this.#dir, "journal.tmp"), enc.encode(JSON.stringify(steps)));
      await this.#fs.rename(join(this.#dir, "journal.tmp"), join(this.#dir, "journal"));
      // From here on the commit happens: if a step fails, it is completed later.
      this.#pending = true;
      await this.#syncDir(this.#dir);
      await this.#apply(steps, false);
      this.#pending = false;
    });
  }
}
