import { IncomingMessage, ServerResponse, createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

type RequestConstructor = (this: IncomingMessage, socket: Socket) => void;
type ResponseConstructor = (this: ServerResponse, req: IncomingMessage, options?: object) => void;

/**
 * The HTTP server for an Express app, its requests and responses born with the app's prototypes.
 *
 * For every request Express's `app.handle` moves `req` and `res` onto the app's prototypes with
 * `Object.setPrototypeOf`. On Node 20's V8 changing a live object's prototype is costly and leaves
 * the objects slow for the rest of the request: an Express hello-world served 3 × more requests per
 * second on this project's machine once they already had those prototypes (BENCHMARKS.md), since
 * setting an object's prototype to the one it has is a no-op. Node 24 shows no difference either way.
 * Node's `IncomingMessage` and `ServerResponse` are function constructors, extended here the way
 * `http.createServer`'s options document; `instanceof` both still holds.
 */
export function createAppServer(app: Express): Server {
  const AppRequest = function (this: IncomingMessage, socket: Socket) {
    (IncomingMessage as unknown as RequestConstructor).call(this, socket);
  } as unknown as typeof IncomingMessage;
  AppRequest.prototype = app.request;
  const AppResponse = function (this: ServerResponse, req: IncomingMessage, options?: object) {
    (ServerResponse as unknown as ResponseConstructor).call(this, req, options);
  } as unknown as typeof ServerResponse;
  AppResponse.prototype = app.response;
  return createServer({ IncomingMessage: AppRequest, ServerResponse: AppResponse }, app);
}
