import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import type { Express } from 'express';

/**
 * The HTTP server for an Express app, its requests and responses born with the app's prototypes.
 *
 * For every request Express's `app.handle` moves `req` and `res` onto `app.request` and
 * `app.response` with `Object.setPrototypeOf`. Changing a live object's prototype is costly in V8
 * and leaves the object slower for the rest of its life; on Node 20 and 22 it made an Express
 * hello-world 3 × dearer (BENCHMARKS.md). Here Node creates `req` and `res` as instances of
 * subclasses whose prototypes then become `app.request` and `app.response`, so Express's call finds
 * the prototype already in place, which V8 treats as a no-op. Each new prototype sits where the old one did (its
 * parent is Express's request or response, whose parent is Node's), and keeps the old one's own
 * properties (`app`, and anything added to `app.request` as Express's docs allow), so `req` and
 * `res` behave as before and are still `IncomingMessage` and `ServerResponse` instances.
 * (Function constructors calling `IncomingMessage.call(this)` also avoid the change, but measured
 * slower than the stock server on Node 24; subclasses are faster on 20, 22 and 24.)
 *
 * Two consequences. Express's prototypes are now in place while Node's constructors run, so a getter
 * without a setter added to `app.request` or `app.response` must not share a name with a field those
 * constructors assign (`url`, `method`, `complete`, `req`, …), or every request would throw. And
 * apps mounted with `app.use(subApp)` before this call still inherit from the replaced prototypes
 * (this service mounts only Routers).
 */
export function createAppServer(app: Express): Server {
  class AppRequest extends IncomingMessage {}
  class AppResponse extends ServerResponse {}
  app.request = adopt(AppRequest.prototype, app.request);
  app.response = adopt(AppResponse.prototype, app.response);
  return createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
}

/** Makes `target` stand in for `current`: same parent, same own properties (its constructor aside). */
function adopt<T extends object>(target: object, current: T): T {
  Object.setPrototypeOf(target, Object.getPrototypeOf(current) as object);
  const { constructor: _ignored, ...own } = Object.getOwnPropertyDescriptors(current);
  Object.defineProperties(target, own);
  return target as T;
}
