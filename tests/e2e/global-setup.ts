// Builds the demo page once (`vite build` to web/demo/dist) and serves it for every test file.
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { serveDirectory } from './static-server';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

declare module 'vitest' {
  export interface ProvidedContext {
    demoUrl: string;
    /** The same build served cross-origin isolated (COOP/COEP): the threaded engine. */
    demoUrlIsolated: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  await build({ configFile: `${repoRoot}web/demo/vite.config.ts`, logLevel: 'warn' });
  const server = await serveDirectory(`${repoRoot}web/demo/dist`);
  const isolated = await serveDirectory(`${repoRoot}web/demo/dist`, { crossOriginIsolated: true });
  project.provide('demoUrl', server.url);
  project.provide('demoUrlIsolated', isolated.url);
  return async () => {
    await server.close();
    await isolated.close();
  };
}
