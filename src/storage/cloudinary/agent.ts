/**
 * The SDK's own `timeout` option never aborts a request, and it does not hand out the request
 * object. A keep-alive agent that notes which requests each call starts (through
 * AsyncLocalStorage: the SDK creates its request synchronously inside the call) lets a deadline
 * destroy exactly that call's request and free its socket.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import http from 'node:http';
import https from 'node:https';

const started = new AsyncLocalStorage<Set<http.ClientRequest>>();

type AddRequest = (req: http.ClientRequest, options: unknown) => void;

export function trackingAgent(secure: boolean, options: http.AgentOptions): http.Agent {
  const agent = secure ? new https.Agent(options) : new http.Agent(options);
  const internal = agent as unknown as { addRequest: AddRequest };
  const original = internal.addRequest.bind(agent);
  internal.addRequest = (req, opts) => {
    started.getStore()?.add(req);
    original(req, opts);
  };
  return agent;
}

/** Runs `fn`, remembering every request it starts, so `abort()` can destroy them. */
export function abortable<T>(fn: () => Promise<T>): { promise: Promise<T>; abort(reason: Error): void } {
  const requests = new Set<http.ClientRequest>();
  const promise = started.run(requests, fn);
  return {
    promise,
    abort(reason) {
      for (const req of requests) req.destroy(reason);
    },
  };
}
