/**
 * The extension and mode as npm packages, as a site that builds OHIF itself gets them: `npm pack`
 * of dist/packages (npm run build assembles them), unpacked into a site folder; TypeScript checks a
 * consumer against the packaged declarations; the site's webpack (default settings, so it rewrites
 * import.meta.url) bundles both packages with its own React; headless Chromium runs the result and
 * the packaged worker, onnxruntime files and shipped model segment a loop.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import webpack from 'webpack';
import { chromiumAvailable, launchChromium, serveStatic, type Browser, type StaticServer } from '../helpers/browser.js';
import { tempDir } from '../helpers/tools.js';

jest.setTimeout(300_000);

const ROOT = resolve(__dirname, '../..');
const PACKAGES = resolve(ROOT, 'dist/packages');
const NAMES = ['trus-cine-seg-extension', 'trus-cine-seg-mode'] as const;

interface PackResult {
  filename: string;
  files: { path: string }[];
}

/** Bare module specifiers an ES module imports (static imports and re-exports). */
function bareImports(code: string): Set<string> {
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*{][^;'"]*?from\s*)?["']([^"']+)["']/g)) {
    if (!m[1]!.startsWith('.') && !m[1]!.startsWith('/')) found.add(m[1]!);
  }
  return found;
}

describe('the OHIF extension and mode as npm packages', () => {
  const site = tempDir('ohif-site-');
  const packed = new Map<string, PackResult>();
  const manifests = new Map<string, Record<string, unknown>>();

  beforeAll(() => {
    // A model folder left from an earlier build (a model since removed from models/) must not be packed.
    mkdirSync(join(PACKAGES, 'trus-cine-seg-extension/models/removed-model'), { recursive: true });
    writeFileSync(join(PACKAGES, 'trus-cine-seg-extension/models/removed-model/model.json'), '{}');
    execFileSync(process.execPath, [join(ROOT, 'scripts/assemble-ohif-packages.mjs')], { stdio: 'pipe' });
    const modules = join(site, 'node_modules');
    for (const name of NAMES) {
      const [result] = JSON.parse(execFileSync('npm', ['pack', join(PACKAGES, name), '--pack-destination', site, '--json', '--silent'], { encoding: 'utf8' })) as PackResult[];
      packed.set(name, result!);
      const target = join(modules, name);
      mkdirSync(target, { recursive: true });
      execFileSync('tar', ['-xzf', join(site, result!.filename), '-C', target, '--strip-components=1']);
      manifests.set(name, JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')) as Record<string, unknown>);
    }
    // The site's own React and its types (OHIF brings React 18).
    mkdirSync(join(modules, '@types'), { recursive: true });
    for (const dep of ['react', 'react-dom', 'scheduler', 'loose-envify', 'js-tokens']) symlinkSync(join(ROOT, 'node_modules', dep), join(modules, dep));
    for (const dep of ['react', 'react-dom', 'prop-types']) {
      try {
        symlinkSync(join(ROOT, 'node_modules/@types', dep), join(modules, '@types', dep));
      } catch {
        // @types/prop-types is only there when @types/react still depends on it.
      }
    }
  });

  test('the tarballs hold the ES modules, declarations, runtime files and models, with peer dependencies on the host', () => {
    const extensionFiles = packed.get('trus-cine-seg-extension')!.files.map((f) => f.path);
    for (const file of [
      'package.json',
      'README.md',
      'dist/index.mjs',
      'dist/trus-seg-worker.mjs',
      'dist/trus-metrics-worker.mjs',
      'dist/trus-frame-worker.mjs',
      'dist/ort/ort.wasm.min.mjs',
      'dist/ort/ort.webgpu.min.mjs',
      'dist/ort/ort-wasm-simd-threaded.wasm',
      'dist/libjpegturbowasm_decode.wasm',
      'models/README.md',
      'models/trus-student/model.json',
      'models/trus-teacher/model.json',
      'types/extension/src/index.d.ts',
      'types/extension/src/services/TrusSegmentationService.d.ts',
    ]) {
      expect(extensionFiles).toContain(file);
    }
    // Exactly the folders of models/ that hold a model.json.
    const shipped = readdirSync(join(ROOT, 'models'), { withFileTypes: true }).filter((d) => d.isDirectory() && existsSync(join(ROOT, 'models', d.name, 'model.json'))).map((d) => `models/${d.name}/model.json`);
    expect(extensionFiles.filter((f) => /^models\/[^/]+\/model\.json$/.test(f)).sort()).toEqual(shipped.sort());
    // One module per entry: no chunk files a site's bundler would have to find at run time.
    expect(extensionFiles.filter((f) => /chunk/.test(f))).toEqual([]);
    const modeFiles = packed.get('trus-cine-seg-mode')!.files.map((f) => f.path);
    expect(modeFiles).toEqual(expect.arrayContaining(['package.json', 'README.md', 'dist/index.mjs', 'types/modes/src/index.d.ts']));

    const extension = manifests.get('trus-cine-seg-extension')!;
    expect(extension).toMatchObject({ type: 'module', module: 'dist/index.mjs', types: 'types/extension/src/index.d.ts' });
    expect(extension.keywords).toContain('ohif-extension');
    expect(Object.keys(extension.peerDependencies as object).sort()).toEqual(['@cornerstonejs/core', '@cornerstonejs/tools', '@ohif/core', 'react', 'react-dom']);
    const mode = manifests.get('trus-cine-seg-mode')!;
    expect(mode.keywords).toContain('ohif-mode');
    expect(mode.peerDependencies).toMatchObject({ '@ohif/core': expect.any(String), 'trus-cine-seg-extension': extension.version });
    // The model card travels with the models: simulated training data, not for clinical use.
    expect(readFileSync(join(site, 'node_modules/trus-cine-seg-extension/models/README.md'), 'utf8')).toMatch(/simulated/i);
  });

  test('React is the host\'s: the extension imports it instead of carrying a copy; mode and workers import nothing', () => {
    const dir = join(site, 'node_modules');
    const extension = readFileSync(join(dir, 'trus-cine-seg-extension/dist/index.mjs'), 'utf8');
    expect([...bareImports(extension)].sort()).toEqual(['react', 'react-dom/client', 'react/jsx-runtime']);
    expect(extension).not.toMatch(/__SECRET_INTERNALS_DO_NOT_USE_OR_YOU_WILL_BE_FIRED|react\.production\.min/);
    expect([...bareImports(readFileSync(join(dir, 'trus-cine-seg-mode/dist/index.mjs'), 'utf8'))]).toEqual([]);
    expect([...bareImports(readFileSync(join(dir, 'trus-cine-seg-extension/dist/trus-seg-worker.mjs'), 'utf8'))]).toEqual([]);
    expect([...bareImports(readFileSync(join(dir, 'trus-cine-seg-extension/dist/trus-metrics-worker.mjs'), 'utf8'))]).toEqual([]);
    expect([...bareImports(readFileSync(join(dir, 'trus-cine-seg-extension/dist/trus-frame-worker.mjs'), 'utf8'))]).toEqual([]);
  });

  test('TypeScript (strict) checks a consumer against the packaged declarations, and rejects a misuse', () => {
    const consumer = join(site, 'consumer.ts');
    writeFileSync(
      consumer,
      [
        "import extension, { EXTENSION_ID, PANEL_ID, TrusSegmentationService, type ServiceConfiguration } from 'trus-cine-seg-extension';",
        "import mode, { MODE_ID } from 'trus-cine-seg-mode';",
        'const ids: string[] = [extension.id, EXTENSION_ID, PANEL_ID, mode.id, MODE_ID];',
        "const settings: ServiceConfiguration = { assetsUrl: '/trus/dist/', provider: 'wasm', keepUnsavedInBrowser: false };",
        "const registration: string = TrusSegmentationService.REGISTRATION.name;",
        '// @ts-expect-error the provider is one of auto, webgpu, wasm',
        "const wrong: ServiceConfiguration = { provider: 'cuda' };",
        'export { ids, settings, registration, wrong };',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(site, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', lib: ['ES2022', 'DOM'], jsx: 'react-jsx', types: [], skipLibCheck: false }, files: ['consumer.ts'] }),
    );
    const tsc = resolve(ROOT, 'node_modules/typescript/bin/tsc');
    /** tsc's diagnostics (on stdout), or '' when the consumer type-checks. */
    const diagnostics = (): string => {
      try {
        execFileSync(process.execPath, [tsc, '-p', join(site, 'tsconfig.json')], { encoding: 'utf8', cwd: site });
        return '';
      } catch (err) {
        return String((err as { stdout?: string }).stdout ?? err);
      }
    };
    expect(diagnostics()).toBe('');
    // The same consumer with the misuse unmarked fails: the declarations are real types, not any.
    writeFileSync(consumer, readFileSync(consumer, 'utf8').replace('// @ts-expect-error', '//'));
    expect(diagnostics()).toMatch(/consumer\.ts\(7,\d+\): error TS2322: Type '"cuda"'/);
  });

  (chromiumAvailable() ? describe : describe.skip)('bundled by a site\'s webpack and run in Chromium', () => {
    let server: StaticServer;
    let browser: Browser;

    beforeAll(async () => {
      writeFileSync(
        join(site, 'site.js'),
        [
          "import extension from 'trus-cine-seg-extension';",
          "import { TrusSegmentationService } from 'trus-cine-seg-extension';",
          "import mode from 'trus-cine-seg-mode';",
          'window.site = { extension, mode, TrusSegmentationService };',
          '',
        ].join('\n'),
      );
      const stats = await new Promise<webpack.Stats>((done, fail) =>
        webpack({ mode: 'production', context: site, entry: join(site, 'site.js'), output: { path: join(site, 'public'), filename: 'site.bundle.js' }, resolve: { symlinks: false }, performance: { hints: false } }, (err, s) =>
          err || !s ? fail(err ?? new Error('no stats')) : done(s),
        ),
      );
      expect(stats.toJson({ all: false, errors: true }).errors).toEqual([]);
      server = await serveStatic(site, {
        '/index.html': '<!doctype html><meta charset="utf-8"><script src="/public/site.bundle.js"></script>',
        '/engine.mjs': readFileSync(join(ROOT, 'dist/browser/trus-cine-seg.mjs')),
        '/loop.dcm': readFileSync(join(ROOT, 'demo/trus-demo-axial.dcm')),
      });
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
    });

    test('the bundled extension and mode have their modules, and the service says when assetsUrl is needed', async () => {
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${server.url}/index.html`);
      const facts = await page.evaluate(async () => {
        type Site = {
          extension: { id: string; preRegistration: unknown; getPanelModule: unknown; getCommandsModule: unknown; getHangingProtocolModule(): { name: string }[] };
          mode: { id: string; modeFactory(o: object): { routes: { path: string }[]; isValidMode(o: object): { valid: boolean } } };
          TrusSegmentationService: new (s: unknown, e: unknown, c: object) => {
            getState(): { status: string; message?: string; models: { manifestUrl: string }[]; keptInBrowser: { status: string; reason?: string }; namedPlanes: Record<string, string>; namedPlanesNotKept?: string };
            nameScanPlane(sopInstanceUID: string, plane: string | undefined): void;
          };
        };
        const { extension, mode, TrusSegmentationService } = (window as unknown as { site: Site }).site;
        // Only what the constructor touches of the host's service registry; the real host is in viewer.e2e.
        const services = { services: { displaySetService: { EVENTS: {}, subscribe: () => ({ unsubscribe() {} }) } } };
        const unconfigured = new TrusSegmentationService(services, {}, {}).getState();
        const service = new TrusSegmentationService(services, {}, { assetsUrl: '/node_modules/trus-cine-seg-extension/dist/' });
        const configured = service.getState();
        const keepingOff = new TrusSegmentationService(services, {}, { assetsUrl: '/trus/dist/', keepUnsavedInBrowser: false }).getState().keptInBrowser;
        // Opening the browser's store of unsaved results takes a moment.
        for (let i = 0; i < 50 && service.getState().keptInBrowser.status === 'starting'; i++) await new Promise((r) => setTimeout(r, 100));
        // Scan planes named in the panel outlive the page in localStorage, unless the site keeps nothing in the browser.
        localStorage.removeItem('trus-cine-seg/named-planes');
        const planesOff = new TrusSegmentationService(services, {}, { assetsUrl: '/trus/dist/', keepUnsavedInBrowser: false });
        planesOff.nameScanPlane('1.2.3.4', 'sagittal');
        const storedWhenOff = localStorage.getItem('trus-cine-seg/named-planes');
        service.nameScanPlane('1.2.3.4', 'transverse');
        // Another tab, open meanwhile, names another loop: neither tab's name is lost.
        const otherTab = new TrusSegmentationService(services, {}, { assetsUrl: '/trus/dist/' });
        otherTab.nameScanPlane('1.2.3.6', 'sagittal');
        service.nameScanPlane('1.2.3.5', 'none');
        const nextPage = new TrusSegmentationService(services, {}, { assetsUrl: '/trus/dist/' }).getState();
        const nextPageOff = new TrusSegmentationService(services, {}, { assetsUrl: '/trus/dist/', keepUnsavedInBrowser: false }).getState();
        const planes = {
          off: { named: planesOff.getState().namedPlanes, notKept: planesOff.getState().namedPlanesNotKept, stored: storedWhenOff },
          on: { named: service.getState().namedPlanes, notKept: service.getState().namedPlanesNotKept ?? null },
          nextPage: nextPage.namedPlanes,
          nextPageOff: nextPageOff.namedPlanes,
        };
        const instance = mode.modeFactory({ modeConfiguration: {} });
        return {
          id: extension.id,
          hooks: [typeof extension.preRegistration, typeof extension.getPanelModule, typeof extension.getCommandsModule],
          protocols: extension.getHangingProtocolModule().map((p) => p.name),
          modeId: mode.id,
          route: instance.routes[0]!.path,
          usValid: instance.isValidMode({ modalities: 'US' }).valid,
          ctValid: instance.isValidMode({ modalities: 'CT' }).valid,
          unconfigured: { status: unconfigured.status, message: unconfigured.message ?? '' },
          configured: { status: configured.status, models: configured.models.map((m) => new URL(m.manifestUrl).pathname) },
          keeping: { started: configured.keptInBrowser, then: service.getState().keptInBrowser, off: keepingOff },
          planes,
        };
      });
      expect(facts).toMatchObject({
        id: 'trus-cine-seg-extension',
        hooks: ['function', 'function', 'function'],
        protocols: ['trus-cine-seg-cine'],
        modeId: 'trus-cine-seg-mode',
        route: 'trus-cine',
        usValid: true,
        ctValid: false,
      });
      // The site's webpack rewrote import.meta.url to a path of the build machine: a clear message, no fetch of file: URLs.
      expect(facts.unconfigured.status).toBe('error');
      expect(facts.unconfigured.message).toMatch(/assetsUrl/);
      expect(facts.configured).toEqual({
        status: 'idle',
        models: ['/node_modules/trus-cine-seg-extension/models/trus-student/model.json', '/node_modules/trus-cine-seg-extension/models/trus-teacher/model.json'],
      });
      // Unsaved results are kept in the browser unless the site says not to.
      expect(facts.keeping).toEqual({ started: { status: 'starting' }, then: { status: 'on' }, off: { status: 'off', reason: 'turned off in the configuration' } });
      expect(facts.planes).toEqual({
        off: { named: { '1.2.3.4': 'sagittal' }, notKept: 'keeping them in the browser is turned off in the configuration', stored: null },
        on: { named: { '1.2.3.4': 'transverse', '1.2.3.5': 'none' }, notKept: null },
        nextPage: { '1.2.3.4': 'transverse', '1.2.3.6': 'sagittal', '1.2.3.5': 'none' },
        nextPageOff: {},
      });
      expect(errors).toEqual([]);
    });

    test('the packaged worker, onnxruntime files and shipped student segment a loop (WASM)', async () => {
      const page = await browser.context.newPage();
      await page.goto(`${server.url}/index.html`);
      // A string, so that the dynamic import reaches the browser untouched by ts-jest.
      const result = (await page.evaluate(`(async () => {
        const base = '/node_modules/trus-cine-seg-extension';
        const engine = await import('/engine.mjs');
        const client = await engine.SegmentationClient.start({ manifestUrl: base + '/models/trus-student/model.json', workerUrl: base + '/dist/trus-seg-worker.mjs', ortBaseUrl: base + '/dist/ort/', preference: 'wasm' });
        try {
          const bytes = new Uint8Array(await (await fetch('/loop.dcm')).arrayBuffer());
          const out = await client.segment(bytes, 'loop.dcm', { batchSize: 4 });
          return { provider: client.info.provider, model: client.info.model.name, frames: out.run.masks.length, nonEmpty: out.run.masks.filter((m) => m.bits.some((b) => b !== 0)).length, metricsIn: out.run.timings.metricsIn };
        } finally {
          client.terminate();
        }
      })()`)) as { provider: string; model: string; frames: number; nonEmpty: number; metricsIn: string };
      expect(result.provider).toBe('wasm');
      // The packaged metrics worker, found beside the packaged segmentation worker.
      expect(result.metricsIn).toBe('worker');
      expect(result.model).toMatch(/student/);
      expect(result.frames).toBeGreaterThan(10);
      expect(result.nonEmpty).toBe(result.frames);
    });
  });
});
