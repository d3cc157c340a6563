// Where create() finds the engine's .wasm under Node: the default beside the package, wasmUrl as a
// file path, a file: URL or an http URL, wasmBinary; and a clear error for a wrong location, from
// both clients. (In browsers: the CDN-style page of tests/consumers.)
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Recommender, WorkerRecommender, type CreateOptions } from 'tripletrec';
import { shippedWasm } from './helpers';

let dir: string;
let server: Server;
let origin: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-wasm-location-'));
  copyFileSync(shippedWasm, path.join(dir, 'engine.wasm'));
  writeFileSync(path.join(dir, 'page.html'), '<!doctype html><title>not found</title>');
  // What a static host or an SPA fallback does: the .wasm, a 404, or a page with status 200.
  server = createServer((request, response) => {
    if (request.url === '/engine.wasm') response.writeHead(200, { 'content-type': 'application/wasm' }).end(readFileSync(shippedWasm));
    else if (request.url === '/spa/tripletrec.wasm') response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title>');
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  origin = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function trainsWith(options: CreateOptions): Promise<number> {
  const rec = await Recommender.create(options);
  try {
    rec.loadSample({ users: 800, items: 150 });
    rec.prepare(rec.samplePreprocessOptions());
    rec.createModel({ embeddingDim: 8 });
    return (await rec.train({ epochs: 1 })).epochsCompleted;
  } finally {
    rec.dispose();
  }
}

describe('wasmUrl and wasmBinary under Node', () => {
  it('loads the .wasm from a file path, a file: URL, an http URL, or given bytes', async () => {
    const file = path.join(dir, 'engine.wasm');
    expect(await trainsWith({ wasmUrl: file })).toBe(1);
    expect(await trainsWith({ wasmUrl: pathToFileURL(file) })).toBe(1);
    expect(await trainsWith({ wasmUrl: `${origin}/engine.wasm` })).toBe(1);
    expect(await trainsWith({ wasmBinary: readFileSync(file) })).toBe(1);
  });

  it('a missing file, an HTTP error or a page instead of the .wasm is an error that says so', async () => {
    const missing = path.join(dir, 'missing.wasm');
    await expect(Recommender.create({ wasmUrl: missing })).rejects.toThrow(
      `tripletrec: could not read the engine's wasm file ${pathToFileURL(missing).href} (ENOENT`);
    await expect(Recommender.create({ wasmUrl: `${origin}/nothing.wasm` })).rejects.toThrow(
      `tripletrec: could not fetch the engine's wasm from ${origin}/nothing.wasm: HTTP 404; serve tripletrec.wasm there`);
    await expect(Recommender.create({ wasmUrl: `${origin}/spa/tripletrec.wasm` })).rejects.toThrow(
      `tripletrec: ${origin}/spa/tripletrec.wasm is not a WebAssembly file (it starts with "<!doctype html><"`);
    await expect(Recommender.create({ wasmUrl: path.join(dir, 'page.html') })).rejects.toThrow('is not a WebAssembly file');
    // The shared default instance is unaffected.
    expect(await trainsWith({})).toBe(1);
  });

  it('WorkerRecommender: the same error from its worker', async () => {
    await expect(WorkerRecommender.create({ wasmUrl: `${origin}/nothing.wasm` })).rejects.toThrow(
      `tripletrec: could not fetch the engine's wasm from ${origin}/nothing.wasm: HTTP 404`);
    const worker = await WorkerRecommender.create({ wasmUrl: `${origin}/engine.wasm` });
    try {
      await worker.loadSample({ users: 800, items: 150 });
      expect((await worker.loadedStats()).counts.ratings).toBeGreaterThan(0);
    } finally {
      worker.terminate();
    }
  });
});
