// The threaded build's pthread worker script (tripletrec-mt.worker.js) as a string, written beside
// it by cpp/bindings/pthread_worker_source.mjs: the package starts it from a blob: URL, so that no
// bundler follows it (web/src/module.ts).
declare const source: string;
export default source;
