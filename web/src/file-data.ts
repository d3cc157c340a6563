// Copies a file's bytes into the engine's input buffer with exactly one copy: a TypedArray.set for
// bytes, TextEncoder.encodeInto straight into wasm memory for strings. Views of wasm memory go
// stale when it grows, so each view is used right after it is obtained.
import type { EngineHandle } from './tripletrec.mjs';
import type { FileData, FileSource } from './types.js';

const encoder = new TextEncoder();

export function isBlob(data: unknown): data is Blob {
  return typeof Blob === 'function' && data instanceof Blob;
}

/** The synchronous client cannot read a Blob (reading one is asynchronous): a TypeError that says what to do. */
export function requireFileData(data: FileSource, method: string): FileData {
  if (isBlob(data)) {
    throw new TypeError(`tripletrec: Recommender.${method} cannot read a Blob or File synchronously; ` +
      'pass its bytes (new Uint8Array(await blob.arrayBuffer())) or use WorkerRecommender, which reads it in the worker');
  }
  return data;
}

/** Writes `data` into the engine's input buffer; returns the number of bytes written. */
export function writeInput(engine: EngineHandle, data: FileData): number {
  if (typeof data === 'string') return writeString(engine, data);
  const bytes = asBytes(data);
  engine.inputBuffer(bytes.length).set(bytes);
  return bytes.length;
}

export function asBytes(data: Uint8Array | ArrayBuffer): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    const view = data as ArrayBufferView;
    return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  }
  throw new TypeError('file data must be a Uint8Array, an ArrayBuffer or a string');
}

export function byteLength(data: FileData): number {
  return typeof data === 'string' ? data.length : asBytes(data).length;
}

// A buffer of text.length bytes is exact for ASCII. If the text has other characters, the buffer
// grows once to the worst case of the rest (3 bytes per UTF-16 unit) keeping what was written.
function writeString(engine: EngineHandle, text: string): number {
  let view = engine.inputBuffer(text.length);
  let { read, written } = encoder.encodeInto(text, view);
  while (read < text.length) {
    view = engine.inputBuffer(written + (text.length - read) * 3);
    const more = encoder.encodeInto(text.slice(read), view.subarray(written));
    read += more.read;
    written += more.written;
  }
  return written;
}
