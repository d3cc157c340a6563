// The package in every consumer's toolchain. `npm pack` of web/, then each case installs the
// tarball into an empty folder of its own, as a new user would: Node (ESM, CommonJS), TypeScript
// (tsc --strict under three module resolutions, with and without the DOM lib), Vite, webpack 5,
// Rollup and esbuild with the recipes of the READMEs (tests/consumers/recipes/), a CDN-style
// layout (wasmUrl/wasmBinary), and publint + arethetypeswrong on the package. The bundlers come from the repository's
// devDependencies, linked into each folder's node_modules (offline after `npm ci`). Every app is
// built first; then one headless Chromium opens each built page, which trains the sample through
// Recommender and WorkerRecommender.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossOriginIsolationHeaders, serveDirectory } from '../e2e/static-server';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';

/** What a built page leaves on window.tripletrecResult (app/scenario.js). */
interface ScenarioResult {
  untrainedAuc: number; auc: number; epochs: number; events: number; names: string[];
  workerAuc: number; workerEpochs: number; workerEvents: number; workerNames: string[];
}

/**
 * One bundler: the files of its recipe (copied from recipes/ into the app's folder), the packages
 * it needs from the repository's devDependencies, the build command, and the page: Vite builds
 * dist/ from index.html, the others get a page written beside what they wrote to dist/. Another
 * build of the package (e.g. a threaded one) is one more entry here or one more app entry below.
 */
interface BundlerRecipe {
  name: string;
  recipeFiles: string[];
  packages: string[];
  command: string[];
  page: { file: 'index.html' | 'dist/index.html'; script: string };
}

/** The bundlers whose builds also run the threaded build (they emit the package's mt/ files by themselves). */
const THREADED_BUNDLERS = ['vite', 'webpack'];

const BUNDLERS: BundlerRecipe[] = [
  { name: 'vite', recipeFiles: [], packages: ['vite'], command: ['node_modules/vite/bin/vite.js', 'build'],
    page: { file: 'index.html', script: '<script type="module" src="./src/main.js"></script>' } },
  { name: 'webpack', recipeFiles: ['webpack.config.js'], packages: ['webpack', 'webpack-cli'],
    command: ['node_modules/webpack-cli/bin/cli.js'],
    page: { file: 'dist/index.html', script: '<script defer src="./main.js"></script>' } },
  { name: 'rollup', recipeFiles: ['rollup.config.mjs'], packages: ['rollup', '@rollup/plugin-node-resolve'],
    command: ['node_modules/rollup/dist/bin/rollup', '-c'],
    page: { file: 'dist/index.html', script: '<script type="module" src="./main.js"></script>' } },
  { name: 'esbuild', recipeFiles: ['esbuild.mjs'], packages: ['esbuild'], command: ['esbuild.mjs'],
    page: { file: 'dist/index.html', script: '<script type="module" src="./main.js"></script>' } },
];

function pageHtml(script: string): string {
  return `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">${script}`;
}

let workDir: string;
let tarball: string;

/** An empty folder with a package.json and the tarball installed, as `npm install <tarball>` does. */
async function consumerFolder(name: string): Promise<string> {
  const dir = path.join(workDir, name);
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }));
  await run('npm', ['install', '--no-audit', '--no-fund', '--offline', '--loglevel=error', tarball], { cwd: dir });
  return dir;
}

/** Links the repository's copies of `packages` into the folder, as if the app had installed them. */
function linkDevPackages(dir: string, packages: string[]): void {
  for (const name of packages) {
    const link = path.join(dir, 'node_modules', name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(repoRoot, 'node_modules', name), link, 'dir');
  }
}

async function runNode(dir: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await run('node', args, { cwd: dir, maxBuffer: 16 << 20 });
  return `${stdout}${stderr}`;
}

/** Runs a checking tool (its exit status is the verdict); its output explains a failure. */
async function runCheck(dir: string, args: string[]): Promise<{ passed: boolean; output: string }> {
  try {
    return { passed: true, output: await runNode(dir, args) };
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    return { passed: false, output: `${stdout}${stderr}` };
  }
}

/** Builds the app (src/ = app/ with `entry` as main.js) with a bundler's recipe; returns its output. */
async function buildApp(bundler: BundlerRecipe, folderName: string, entry = 'main.js'): Promise<{ dir: string; output: string }> {
  const dir = await consumerFolder(folderName);
  linkDevPackages(dir, bundler.packages);
  mkdirSync(path.join(dir, 'src'));
  cpSync(path.join(here, 'app/scenario.js'), path.join(dir, 'src/scenario.js'));
  cpSync(path.join(here, 'app', entry), path.join(dir, 'src/main.js'));
  for (const file of bundler.recipeFiles) cpSync(path.join(here, 'recipes', file), path.join(dir, file));
  const { file, script } = bundler.page;
  if (file === 'index.html') writeFileSync(path.join(dir, file), pageHtml(script));
  const output = await runNode(dir, bundler.command);
  if (file === 'dist/index.html') writeFileSync(path.join(dir, file), pageHtml(script));
  return { dir, output };
}

/** Lines of a build's output that are warnings (each bundler's own wording). */
function warningLines(output: string): string[] {
  // eslint-disable-next-line no-control-regex
  const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
  return plain.split('\n').filter((line) => /warn|\(!\)|▲/i.test(line));
}

/** The "## Use it in your app" section of a README, up to the next section. */
function useItSection(readme: string): string {
  const text = readFileSync(readme, 'utf8');
  const start = text.indexOf('## Use it in your app');
  if (start < 0) return '';
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end + 1);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' });
}

/** Relative imports in the emitted JavaScript whose target was not emitted ("file -> specifier"). */
function danglingImports(dir: string): string[] {
  const dangling: string[] = [];
  for (const file of filesUnder(dir).filter((name) => name.endsWith('.js'))) {
    const code = readFileSync(path.join(dir, file), 'utf8');
    for (const [, specifier] of code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)) {
      if (!existsSync(path.join(dir, path.dirname(file), specifier!))) dangling.push(`${file} -> ${specifier}`);
    }
  }
  return dangling;
}

beforeAll(async () => {
  workDir = mkdtempSync(path.join(os.tmpdir(), 'tripletrec-consumers-'));
  const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', workDir], { cwd: path.join(repoRoot, 'web') });
  tarball = path.join(workDir, stdout.trim().split('\n').pop()!);
});
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

describe('the package as published', () => {
  let installed: string;
  beforeAll(async () => { installed = path.join(await consumerFolder('contents'), 'node_modules/tripletrec'); });

  it('the tarball ships the wasm, the glue, the worker and the types', () => {
    const files = readdirSync(path.join(installed, 'dist'));
    for (const name of ['tripletrec.wasm', 'tripletrec.mjs', 'tripletrec.d.mts', 'index.js', 'index.d.ts', 'worker.js']) {
      expect(files).toContain(name);
    }
  });

  it('the tarball ships the package README (what npm shows) and the MIT LICENSE', () => {
    expect(readFileSync(path.join(installed, 'README.md'), 'utf8')).toMatch(/^# tripletrec\n[\s\S]*## API/);
    expect(readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
  });

  it('publint finds nothing to fix (exports, files, sideEffects, engines)', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const { messages, pkg } = await publint({ pkgDir: installed, pack: false, strict: true });
    const text = messages.map((message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
    expect(text).toEqual([]);
  });

  it('arethetypeswrong: every entry point resolves to its types (ESM-only profile)', async () => {
    // esm-only: CommonJS consumers use import() (documented); the .wasm entry is an asset, not a module.
    const cli = path.join(repoRoot, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    const { passed, output } = await runCheck(workDir, [cli, tarball, '--profile', 'esm-only',
      '--exclude-entrypoints', './tripletrec.wasm', '--format', 'table', '--no-color', '--no-emoji']);
    expect(passed, output).toBe(true);
  });
});

describe('the READMEs show the recipes the matrix builds with', () => {
  // The "Use it in your app" section of the repository's README and of the package's (npm shows it).
  const readmes = ['README.md', 'web/README.md'].map((file) => path.join(repoRoot, file));
  for (const recipe of BUNDLERS.flatMap((bundler) => bundler.recipeFiles)) {
    it(recipe, () => {
      // The recipe's code: the file without its leading comment lines.
      const code = readFileSync(path.join(here, 'recipes', recipe), 'utf8').replace(/^(\/\/.*\n)+/, '');
      for (const readme of readmes) {
        const section = useItSection(readme);
        expect(section, `${path.relative(repoRoot, readme)}: "Use it in your app" shows ${recipe}`).toContain(code);
      }
    });
  }
  it('the package README and the repository README have the same section', () => {
    const [repoSection, packageSection] = readmes.map((readme) => useItSection(readme));
    expect(repoSection).not.toBe('');
    expect(packageSection).toBe(repoSection);
  });
});

describe('Node', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await consumerFolder('node');
    for (const file of ['node/esm.mjs', 'node/cjs-import.cjs', 'node/cjs-require.cjs', 'node/cjs-scenario.cjs',
      'app/scenario.js']) {
      cpSync(path.join(here, file), path.join(dir, path.basename(file)));
    }
  });

  it('ES module: both clients train the sample', async () => {
    const result = JSON.parse(await runNode(dir, ['esm.mjs'])) as ScenarioResult;
    expectTrained(result);
  });

  it('CommonJS through import()', async () => {
    const result = JSON.parse(await runNode(dir, ['cjs-import.cjs'])) as Record<string, number>;
    expect(result).toEqual({ epochs: 1, workerEpochs: 1, recommended: 3 });
  });

  it.skipIf(!(process.features as { require_module?: boolean }).require_module)(
    'CommonJS through require() (Node >= 20.19 / 22.12)', async () => {
      const result = JSON.parse(await runNode(dir, ['cjs-require.cjs'])) as Record<string, number>;
      expect(result).toEqual({ epochs: 1, workerEpochs: 1, recommended: 3 });
    });
});

describe('TypeScript consumers: tsc --noEmit --strict', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await consumerFolder('typescript');
    cpSync(path.join(here, 'types'), dir, { recursive: true });
    linkDevPackages(dir, ['@types/node']);
  });

  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  // The default lib (with the DOM), and a Node program's: no DOM, Node's types (@types/node).
  const cases = [
    { name: 'moduleResolution bundler', module: 'esnext', moduleResolution: 'bundler', files: ['consumer.ts'] },
    { name: 'moduleResolution node16', module: 'node16', moduleResolution: 'node16', files: ['consumer.ts', 'consumer-cjs.cts'] },
    { name: 'moduleResolution nodenext', module: 'nodenext', moduleResolution: 'nodenext',
      files: ['consumer.ts', 'consumer-cjs.cts'] },
    { name: 'moduleResolution nodenext, Node types and no DOM lib', module: 'nodenext', moduleResolution: 'nodenext',
      files: ['consumer.ts', 'consumer-cjs.cts'], lib: ['es2022'], types: ['node'] },
  ];
  for (const { name, files, lib, types = [], ...options } of cases) {
    it(name, async () => {
      const config = `tsconfig.${name.replace(/\W+/g, '-')}.json`;
      writeFileSync(path.join(dir, config), JSON.stringify({
        compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'es2022', ...options,
          ...(lib ? { lib } : {}), types },
        files,
      }));
      const { passed, output } = await runCheck(dir, [tsc, '-p', config]);
      expect(passed, output).toBe(true);
    });
  }
});

describe('bundled apps, run in headless Chromium', () => {
  const builds = new Map<string, { dir: string; output: string }>();
  let browser: Browser | undefined;

  beforeAll(async () => {
    // Sequential: two cores, and each bundler uses both.
    for (const bundler of BUNDLERS) builds.set(bundler.name, await buildApp(bundler, bundler.name));
    // CDN-style: the esbuild app; the page at /, the bundle in /app/, the .wasm moved to /cdn/...
    const cdn = await buildApp(BUNDLERS.find((bundler) => bundler.name === 'esbuild')!, 'cdn', 'cdn.js');
    const site = path.join(cdn.dir, 'site');
    mkdirSync(path.join(site, 'cdn/tripletrec/0.1.0'), { recursive: true });
    renameSync(path.join(cdn.dir, 'dist/tripletrec.wasm'), path.join(site, 'cdn/tripletrec/0.1.0/tripletrec.wasm'));
    rmSync(path.join(cdn.dir, 'dist/index.html'));
    renameSync(path.join(cdn.dir, 'dist'), path.join(site, 'app'));
    writeFileSync(path.join(site, 'index.html'), pageHtml('<script type="module" src="./app/main.js"></script>'));
    builds.set('cdn', cdn);
    // The threaded build: the page of app/threads.js, built by the bundlers that follow
    // new URL(..., import.meta.url) by themselves.
    for (const name of THREADED_BUNDLERS) {
      builds.set(`${name}-threads`, await buildApp(BUNDLERS.find((bundler) => bundler.name === name)!, `${name}-threads`, 'threads.js'));
    }
    if (existsSync(CHROMIUM)) {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
          '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    }
  }, 600_000);
  afterAll(async () => { await browser?.close(); });

  /** Serves `siteDir` (cross-origin isolated or not) and opens the page at `pagePath` in it. */
  async function openPage(siteDir: string, pagePath: string, missingPaths: string[] = [], crossOriginIsolated = false):
      Promise<{ result: unknown; requests: string[]; origin: string }> {
    const server = await serveDirectory(siteDir, { crossOriginIsolated });
    try {
      return { ...await openUrl(`${server.url}${pagePath}`, missingPaths), origin: new URL(server.url).origin };
    } finally {
      await server.close();
    }
  }

  /**
   * Opens `url`; returns its result and the path of every URL it requested. Any failed request or
   * page error fails the test, except a 404 for one of `missingPaths`.
   */
  async function openUrl(url: string, missingPaths: string[] = []): Promise<{ result: unknown; requests: string[] }> {
    const page = await browser!.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (request) => requests.push(`${request.url()}`));
    page.on('requestfailed', (request) => errors.push(`failed: ${request.url()}`));
    page.on('response', (response) => {
      const expected = response.status() === 404 && missingPaths.includes(new URL(response.url()).pathname);
      if (response.status() >= 400 && !expected) errors.push(`${response.status()}: ${response.url()}`);
    });
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(url);
      await page.waitForFunction(() => (window as unknown as { tripletrecResult?: unknown }).tripletrecResult !== undefined,
        undefined, { timeout: 120_000 });
      const result = await page.evaluate(() => (window as unknown as { tripletrecResult: unknown }).tripletrecResult);
      expect((result as { error?: string }).error, errors.join('\n')).toBeUndefined();
      expect(errors).toEqual([]);
      return { result, requests: requests.map((requested) => new URL(requested).pathname) };
    } finally {
      await page.close();
    }
  }

  for (const bundler of BUNDLERS) {
    describe(bundler.name, () => {
      it('builds with no warnings and emits the .wasm and the worker', () => {
        const { dir, output } = builds.get(bundler.name)!;
        console.log(`[measure] ${bundler.name} build output:\n${output.trim()}`);
        expect(warningLines(output)).toEqual([]);
        const files = filesUnder(path.join(dir, 'dist'));
        // Vite and webpack follow new URL(..., import.meta.url) to both builds' .wasm; the Rollup
        // and esbuild recipes copy the single-threaded one.
        expect(files.filter((file) => file.endsWith('.wasm'))).toHaveLength(THREADED_BUNDLERS.includes(bundler.name) ? 2 : 1);
        // No stray copy of one of the package's unbundled modules (whose imports are not there).
        expect(danglingImports(path.join(dir, 'dist'))).toEqual([]);
      });

      it.skipIf(!existsSync(CHROMIUM))('trains the sample through Recommender and WorkerRecommender', async () => {
        const { result } = await openPage(path.join(builds.get(bundler.name)!.dir, 'dist'), '');
        expectTrained(result as ScenarioResult);
      });
    });
  }

  for (const name of THREADED_BUNDLERS) {
    describe(`${name}, the page cross-origin isolated: the threaded build`, () => {
      it('builds with no warnings, the threaded build beside the single-threaded one', () => {
        const { dir, output } = builds.get(`${name}-threads`)!;
        expect(warningLines(output)).toEqual([]);
        expect(filesUnder(path.join(dir, 'dist')).filter((file) => file.endsWith('.wasm'))).toHaveLength(2);
        expect(danglingImports(path.join(dir, 'dist'))).toEqual([]);
      });

      it.skipIf(!existsSync(CHROMIUM))('both clients train on every core', async () => {
        const { dir } = builds.get(`${name}-threads`)!;
        const { result, requests } = await openPage(path.join(dir, 'dist'), '', [], true);
        expectTrainedOnThreads(result as ThreadsResult);
        // Only the threaded build's .wasm was fetched, by the page and the worker (webpack names
        // assets by their hash: compared by content).
        const threadedWasm = readFileSync(path.join(dir, 'node_modules/tripletrec/dist/mt/tripletrec-mt.wasm'));
        const fetched = [...new Set(requests.filter((url) => url.endsWith('.wasm')))];
        expect(fetched).toHaveLength(1);
        expect(readFileSync(path.join(dir, 'dist', fetched[0]!)).equals(threadedWasm), fetched[0]).toBe(true);
      });
    });
  }

  describe('vite dev server, cross-origin isolated: the threaded build', () => {
    it.skipIf(!existsSync(CHROMIUM))('both clients train on every core', async () => {
      const { createServer } = await import('vite');
      const server = await createServer({ root: builds.get('vite-threads')!.dir, configFile: false, logLevel: 'warn',
        server: { host: '127.0.0.1', port: 0, hmr: false, headers: crossOriginIsolationHeaders } });
      await server.listen();
      try {
        const { result } = await openUrl(server.resolvedUrls!.local[0]!);
        expectTrainedOnThreads(result as ThreadsResult);
      } finally {
        await server.close();
      }
    });
  });

  describe('vite dev server (no configuration either)', () => {
    it.skipIf(!existsSync(CHROMIUM))('trains the sample through Recommender and WorkerRecommender', async () => {
      const { createServer } = await import('vite');
      const server = await createServer({ root: builds.get('vite')!.dir, configFile: false, logLevel: 'warn',
        server: { host: '127.0.0.1', port: 0, hmr: false } });
      await server.listen();
      try {
        const { result } = await openUrl(server.resolvedUrls!.local[0]!);
        expectTrained(result as ScenarioResult);
      } finally {
        await server.close();
      }
    });
  });

  describe('CDN-style layout: the .wasm served from another path', () => {
    it.skipIf(!existsSync(CHROMIUM))('wasmUrl and wasmBinary load it there (page and worker); a wrong wasmUrl says so', async () => {
      const missingPath = '/cdn/tripletrec/0.0.0/tripletrec.wasm';
      const { result, requests, origin } = await openPage(path.join(builds.get('cdn')!.dir, 'site'), '', [missingPath]);
      const { withUrl, withBinary, missing } = result as {
        withUrl: ScenarioResult; withBinary: ScenarioResult; missing: { page: string; worker: string } };
      expectTrained(withUrl);
      expectTrained(withBinary);
      const expectedMessage = `tripletrec: could not fetch the engine's wasm from ${origin}${missingPath}: HTTP 404; ` +
        'serve tripletrec.wasm there';
      expect(missing.page).toContain(expectedMessage);
      expect(missing.worker).toContain(expectedMessage);
      // Only the given paths were asked for the .wasm: nothing fell back to the default beside the bundle.
      const wasmRequests = requests.filter((url) => url.endsWith('.wasm'));
      expect(new Set(wasmRequests)).toEqual(new Set(['/cdn/tripletrec/0.1.0/tripletrec.wasm', missingPath]));
    });
  });
});

/** What app/threads.js leaves on window.tripletrecResult. */
interface ThreadsResult {
  crossOriginIsolated: boolean; cores: number;
  page: { threads: number; epochs: number; auc: number }; worker: { threads: number; epochs: number; auc: number };
}

/** Both clients trained on the threaded build with its default threads: every core. */
function expectTrainedOnThreads(result: ThreadsResult): void {
  expect(result.crossOriginIsolated).toBe(true);
  expect(result.cores).toBeGreaterThan(1);  // this machine has 2 cores; on 1 core this proves nothing
  for (const client of [result.page, result.worker]) {
    expect(client.epochs).toBe(3);
    expect(client.threads).toBe(result.cores);
    expect(client.auc).toBeGreaterThan(0.7);  // default sample, 3 epochs: measured MEASURE on 2 threads (0.755 on 1)
  }
}

/** The scenario trained in both clients, with the same seeds, so the same model. */
function expectTrained(result: ScenarioResult): void {
  expect(result.epochs).toBe(3);
  expect(result.workerEpochs).toBe(3);
  expect(result.events).toBeGreaterThan(0);
  expect(result.workerEvents).toBeGreaterThan(0);
  expect(result.untrainedAuc).toBeLessThan(0.55);  // default sample, untrained: measured 0.496
  expect(result.auc).toBeGreaterThan(0.7);         // default sample, 3 epochs: measured 0.755
  expect(result.workerAuc).toBe(result.auc);       // same seeds in the worker: the same model
  expect(result.names).toHaveLength(3);
  expect(result.workerNames).toEqual(result.names);
}
