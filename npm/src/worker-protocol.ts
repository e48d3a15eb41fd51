/** Messages between {@link TwofoldWorker} and the worker (internal). */
import type { ErrorCode } from "./index.js";

/** A call from the main thread. */
export interface Request {
  id: number;
  op: string;
  args: unknown[];
}

/** The worker's answer. */
export type Response =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; code: ErrorCode; message: string };
