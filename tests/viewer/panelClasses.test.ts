/**
 * The panel is styled with OHIF's utility classes, but OHIF's stylesheet is compiled by OHIF's
 * own Tailwind build, which never sees our sources: a class it does not happen to use itself has
 * no rule and silently does nothing (the progress bar once had no height for that reason). Every
 * class our React sources name must therefore have a rule in the prebuilt viewer's CSS.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/viewerServer.js';

const OHIF_DIST = join(ROOT, 'vendor', 'ohif-app', 'dist');
/** Every React source of the extension, so that a new one is held to the same rule. */
const SOURCES = (readdirSync(join(ROOT, 'extension', 'src'), { recursive: true }) as string[]).filter((f) => f.endsWith('.tsx')).map((f) => join('extension', 'src', f));

/** The class selectors of a stylesheet, unescaped (`.h-0\.5` -> `h-0.5`, `.disabled\:opacity-50` -> `disabled:opacity-50`). */
function classSelectors(css: string): Set<string> {
  const names = new Set<string>();
  for (const m of css.matchAll(/\.(-?(?:\\.|[A-Za-z_])(?:\\.|[A-Za-z0-9_-])*)/g)) names.add(m[1]!.replace(/\\(.)/g, '$1'));
  return names;
}

/** The string constants a source defines (`const name = '…';`, exported or not). */
function stringConstants(source: string): Map<string, string> {
  const constants = new Map<string, string>();
  for (const m of source.matchAll(/(?:export )?const (\w+) = '([^']*)';/g)) constants.set(m[1]!, m[2]!);
  return constants;
}

/** The panel's shared classes (BUTTON, SELECT), named by its components. */
const SHARED_STYLES = join('extension', 'src', 'panels', 'styles.ts');

/**
 * Class names a TSX source gives its elements: literal `className="…"` / `className: '…'`,
 * the literal parts of `className={`…`}`, and string constants (of the file, or shared) named in
 * `className={name}` or `${name}` inside such a template.
 */
function classNamesIn(source: string, shared: Map<string, string> = new Map()): Set<string> {
  const constants = new Map([...shared, ...stringConstants(source)]);
  const parts: string[] = [];
  const resolve = (name: string) => {
    const value = constants.get(name);
    if (value === undefined) throw new Error(`className uses ${name}, which is not a string constant of the file or of ${SHARED_STYLES}`);
    parts.push(value);
  };
  for (const m of source.matchAll(/className(?:=|: )(?:"([^"]*)"|'([^']*)'|\{`([^`]*)`\}|\{(\w+)\})/g)) {
    if (m[1] !== undefined || m[2] !== undefined) parts.push((m[1] ?? m[2])!);
    else if (m[3] !== undefined) {
      parts.push(m[3].replace(/\$\{(\w+)\}/g, (_, name: string) => (resolve(name), ' ')));
    } else resolve(m[4]!);
  }
  return new Set(parts.flatMap((p) => p.split(/\s+/)).filter(Boolean));
}

describe('panel classes exist in OHIF’s compiled stylesheet', () => {
  const haveViewer = existsSync(OHIF_DIST);

  test('the prebuilt viewer is there (scripts/setup.sh fetches it)', () => {
    expect(haveViewer).toBe(true);
  });

  (haveViewer ? test : test.skip)('every class named by the extension’s React sources has a CSS rule', () => {
    const css = readdirSync(OHIF_DIST)
      .filter((f) => f.endsWith('.css'))
      .map((f) => readFileSync(join(OHIF_DIST, f), 'utf8'))
      .join('\n');
    const defined = classSelectors(css);
    expect(defined.size).toBeGreaterThan(500);
    expect(SOURCES).toEqual(expect.arrayContaining(['extension/src/getPanelModule.tsx', 'extension/src/panels/TemporalConsistencyPanel.tsx', 'extension/src/panels/FrameChart.tsx', 'extension/src/panels/RunControls.tsx']));
    const shared = stringConstants(readFileSync(join(ROOT, SHARED_STYLES), 'utf8'));
    expect([...shared.keys()]).toEqual(expect.arrayContaining(['BUTTON', 'SELECT']));
    const missingShared = [...new Set([...shared.values()].flatMap((v) => (v.startsWith('#') ? [] : v.split(/\s+/))))].filter((c) => !defined.has(c));
    expect({ file: SHARED_STYLES, missing: missingShared }).toEqual({ file: SHARED_STYLES, missing: [] });
    for (const file of SOURCES) {
      const source = readFileSync(join(ROOT, file), 'utf8');
      const used = classNamesIn(source, shared);
      if (source.includes('className')) expect(used.size).toBeGreaterThan(0);
      const missing = [...used].filter((c) => !defined.has(c));
      expect({ file, missing }).toEqual({ file, missing: [] });
    }
  });

  test('the extraction sees literal, template and constant class names, and the selector reader unescapes', () => {
    const src = "const b = 'x y';\n<div className=\"a\" /> <p className={b} /> <i className={`${b} z`} /> createElement('div', { className: 'w' })";
    expect([...classNamesIn(src)].sort()).toEqual(['a', 'w', 'x', 'y', 'z']);
    expect(() => classNamesIn('<p className={dynamic} />')).toThrow(/dynamic/);
    expect([...classNamesIn('<p className={SHARED} /> <b className={`${SHARED} q`} />', new Map([['SHARED', 's t']]))].sort()).toEqual(['q', 's', 't']);
    expect(classSelectors('.h-0\\.5{height:.125rem}.disabled\\:opacity-50:disabled{opacity:.5}')).toEqual(new Set(['h-0.5', 'disabled:opacity-50']));
  });
});
