// Node built-ins for the Node-only code paths, reached through process.getBuiltinModule (Node >=
// 20.16, the package's engines floor) rather than `import()`: bundlers building for the browser
// see a plain property call, so they neither try to resolve a Node module nor warn about a
// dynamic import whose specifier is an expression.
interface NodeProcess { getBuiltinModule?(id: string): unknown }

export function nodeBuiltin<T>(id: string): T {
  const nodeProcess = (globalThis as { process?: NodeProcess }).process;
  if (typeof nodeProcess?.getBuiltinModule !== 'function') {
    throw new Error(`tripletrec: ${id} is needed here and this runtime has no process.getBuiltinModule (Node >= 20.16)`);
  }
  return nodeProcess.getBuiltinModule(id) as T;
}
