import { gzipSync } from 'node:zlib';
import express, { type Express, type RequestHandler } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { problemHandler } from '../../src/lib/problem.js';
import { jsonBody } from '../../src/lib/raw-body.js';

const LIMIT = 1024;

/** The same echo route behind a given JSON parser. */
function echoApp(parser: RequestHandler): Express {
  const app = express();
  app.post('/echo', parser, (req, res) => {
    res.json({ body: req.body === undefined ? '(undefined)' : (req.body as unknown) });
  });
  app.use(problemHandler());
  return app;
}

interface Case {
  name: string;
  type?: string;
  encoding?: string;
  body?: string | Buffer;
}

const utf8Bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
const cases: Case[] = [
  { name: 'an object', type: 'application/json', body: '{"a":1,"b":[1,2],"c":"é"}' },
  { name: 'an array', type: 'application/json', body: '[1,{"x":null}]' },
  { name: 'whitespace before the object', type: 'application/json', body: ' \n\t{"a":1}' },
  { name: 'an explicit utf-8 charset', type: 'application/json; charset=utf-8', body: '{"a":1}' },
  { name: 'a quoted upper-case charset', type: 'application/json; charset="UTF-8"', body: '{"a":1}' },
  { name: 'a UTF-8 byte order mark', type: 'application/json', body: utf8Bom },
  { name: 'an empty body', type: 'application/json', body: '' },
  { name: 'a bare number (strict mode)', type: 'application/json', body: '1' },
  { name: 'a bare string (strict mode)', type: 'application/json', body: '"x"' },
  { name: 'malformed JSON', type: 'application/json', body: '{"a":' },
  { name: 'a body over the limit', type: 'application/json', body: JSON.stringify({ a: 'x'.repeat(LIMIT) }) },
  { name: 'a latin1 charset', type: 'application/json; charset=latin1', body: '{"a":1}' },
  { name: 'a gzip body', type: 'application/json', encoding: 'gzip', body: gzipSync('{"zipped":true}') },
  { name: 'another content type', type: 'text/plain', body: '{"a":1}' },
];

async function answer(app: Express, c: Case) {
  let req = request(app).post('/echo');
  if (c.type) req = req.set('content-type', c.type);
  if (c.encoding) req = req.set('content-encoding', c.encoding);
  const res = await (c.body === undefined ? req : req.send(c.body));
  const parsed = JSON.parse(res.text) as { type?: string; body?: unknown };
  return { status: res.status, body: res.status < 400 ? parsed.body : undefined, problem: res.status < 400 ? undefined : parsed.type };
}

describe('jsonBody answers as express.json does', () => {
  const ours = echoApp(jsonBody(LIMIT));
  const theirs = echoApp(express.json({ limit: LIMIT }));

  it.each(cases)('when the request has $name, then both give the same status and body', async (c) => {
    const expected = await answer(theirs, c);
    expect(await answer(ours, c)).toEqual(expected);
  });

  it('when the body is valid, then it is parsed, and when it is not, then the answer is a 400 or 413 problem', async () => {
    expect(await answer(ours, cases[0]!)).toEqual({ status: 200, body: { a: 1, b: [1, 2], c: 'é' }, problem: undefined });
    expect((await answer(ours, cases[9]!)).status).toBe(400);
    expect((await answer(ours, cases[10]!)).status).toBe(413);
  });

  it('when no body is sent, then req.body stays undefined', async () => {
    const res = await request(ours).post('/echo');
    expect(res.body).toEqual({ body: '(undefined)' });
  });
});
