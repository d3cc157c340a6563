// The engine's .wasm bytes, from where create() was told or the default beside the package's JS:
// fetched (browsers, workers, http(s) under Node) or read from disk (a file: URL or a path under
// Node). Loaded here rather than by the Emscripten glue so that a wrong location is an error that
// says what is wrong and what to do (the glue reports "expected magic word 00 61 73 6d"), and so
// that wasmUrl works under Node too.
import { nodeBuiltin } from './node-builtin.js';

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d];  // "\0asm"
const ADVICE = 'serve tripletrec.wasm there (see "Use it in your app" in the package README), ' +
  'or pass wasmUrl or wasmBinary to create()';

export async function wasmBytes(location: string | URL): Promise<Uint8Array> {
  const page = (globalThis as { location?: { href: string } }).location;
  const url = page !== undefined ? new URL(location, page.href) : nodeLocation(location);
  let bytes: Uint8Array;
  if (page === undefined && url.protocol === 'file:') {
    try {
      bytes = nodeBuiltin<{ readFileSync(path: URL): Uint8Array }>('node:fs').readFileSync(url);
    } catch (error) {
      throw new Error(`tripletrec: could not read the engine's wasm file ${url.href} (${messageOf(error)}); ${ADVICE}`, { cause: error });
    }
  } else {
    let response: Response;
    try {
      response = await fetch(url);
    } catch (error) {
      throw new Error(`tripletrec: could not fetch the engine's wasm from ${url.href} (${messageOf(error)}); ${ADVICE}`, { cause: error });
    }
    if (!response.ok) {
      throw new Error(`tripletrec: could not fetch the engine's wasm from ${url.href}: HTTP ${response.status}; ${ADVICE}`);
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  }
  if (!WASM_MAGIC.every((byte, index) => bytes[index] === byte)) {
    const start = new TextDecoder().decode(bytes.subarray(0, 16));
    throw new Error(`tripletrec: ${url.href} is not a WebAssembly file (it starts with ${JSON.stringify(start)}); ${ADVICE}`);
  }
  return bytes;
}

// Node: an absolute URL (file:, http:, https:) or a file path, relative to the working directory.
function nodeLocation(location: string | URL): URL {
  if (location instanceof URL) return location;
  if (/^[a-z][a-z0-9+.-]+:\/\//i.test(location)) return new URL(location);
  return nodeBuiltin<{ pathToFileURL(path: string): URL }>('node:url').pathToFileURL(location);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
