// Copies a file's bytes into the engine's input buffer with exactly one copy: a TypedArray.set for
// bytes, TextEncoder.encodeInto straight into wasm memory for strings, and chunk by chunk for a
// Blob read as a stream. Views of wasm memory go stale when it grows, so each view is used right
// after it is obtained.
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

/** How a streamed Blob went into the engine: its size and where the time went. */
export interface StreamedInput {
  length: number;
  /** Allocating the input buffer and the TypedArray.set of every chunk. */
  copySeconds: number;
  /** Waiting for the stream's chunks (the rest of the time). */
  readSeconds: number;
}

/**
 * Streams `blob` into the engine's input buffer: the buffer is allocated at blob.size first and
 * each chunk is set at its offset, so the file is never held twice (no arrayBuffer() copy).
 * `onRead` gets the bytes written so far after each chunk. If reading fails, the buffer is
 * released and the error rethrown: nothing was loaded, the engine's data is as before.
 */
export async function streamBlobInput(engine: EngineHandle, blob: Blob,
                                      onRead: (bytesRead: number) => void): Promise<StreamedInput> {
  const size = blob.size;
  const start = performance.now();
  let copyMs = 0;
  const reader = blob.stream().getReader();
  try {
    let copyStart = performance.now();
    let view = engine.inputBuffer(size);
    copyMs += performance.now() - copyStart;
    let offset = 0;
    for (;;) {
      const { done, value: chunk } = await reader.read();
      if (done) break;
      if (offset + chunk.length > size) throw new Error(changedWhileRead(blob, size));
      copyStart = performance.now();
      // Anything that grew wasm memory while this read waited detached the view: take it again
      // (same size, so the engine keeps the bytes written so far).
      if (view.byteLength !== size) view = engine.inputBuffer(size);
      view.set(chunk, offset);
      copyMs += performance.now() - copyStart;
      offset += chunk.length;
      onRead(offset);
    }
    if (offset !== size) throw new Error(changedWhileRead(blob, size));
  } catch (error) {
    engine.releaseInput();
    void reader.cancel().catch(() => {});  // stop reading (a no-op on a stream that failed)
    throw error;
  } finally {
    reader.releaseLock();
  }
  const totalMs = performance.now() - start;
  return { length: size, copySeconds: copyMs / 1000, readSeconds: (totalMs - copyMs) / 1000 };
}

function changedWhileRead(blob: Blob, size: number): string {
  const name = (blob as Partial<File>).name;
  return `tripletrec: ${typeof name === 'string' && name !== '' ? name : 'the Blob'} did not read as ` +
         `its ${size} bytes (did the file change while it was read?)`;
}
