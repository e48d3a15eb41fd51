// A stand-in for `new Worker(...)` in Node, shared by the worker and hostile-input tests.
import { serve } from "twofold-pq/worker";

/**
 * A stand-in for `new Worker(...)`: the client talks to one end of a MessageChannel, the other
 * end is served by the worker module's own `serve`. Records the operations the worker
 * received; `transform` may rewrite a request on the worker side before it is handled.
 */
export class FakeWorker extends EventTarget {
  /** Every request the worker received. */
  requests = [];
  /** How many buffers each answer transferred. */
  transfers = [];
  terminated = false;

  get ops() {
    return this.requests.map((r) => r.op);
  }

  constructor({ transform = (data) => data } = {}) {
    super();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    this.inner = port2;
    port1.onmessage = (e) => this.dispatchEvent(new MessageEvent("message", { data: e.data }));
    serve({
      addEventListener: (type, listener) =>
        port2.addEventListener(type, (e) => {
          this.requests.push(e.data);
          listener({ data: transform(e.data) });
        }),
      postMessage: (message, transfer) => {
        this.transfers.push(transfer.length);
        port2.postMessage(message, transfer);
      },
      start: () => port2.start(),
    });
  }

  postMessage(message, transfer) {
    this.port.postMessage(message, transfer);
  }

  terminate() {
    this.terminated = true;
    this.port.close();
    this.inner.close();
  }
}
