#!/usr/bin/env node
// Fetches the prebuilt OHIF viewer (@ohif/app's dist/) into vendor/ohif-app/dist.
// It is not an npm dependency on purpose: the package lists the whole OHIF monorepo's build
// dependencies (hundreds of MB), while the viewer we serve needs only its prebuilt dist/.
// The tarball comes from the configured npm registry (`npm pack`) and is checked against the
// pinned integrity before it is unpacked. Safe to run again: a complete copy is kept.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OHIF_APP_VERSION = '3.14.0-beta.6';
const INTEGRITY = 'sha512-QwA0talqhh4VlUR+QgT2t8FP7NpX++4s6Z9Cp5VIcta3JMd2zGBPTp/R9t7JaX0Xi1AHAZAJxTv502R+SawaBg==';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const vendor = resolve(root, 'vendor/ohif-app');
const stamp = resolve(vendor, 'VERSION');

function fail(message) {
  console.error(`fetch-ohif-app: ${message}`);
  process.exit(1);
}

if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === OHIF_APP_VERSION && existsSync(resolve(vendor, 'dist/index.html'))) {
  console.log(`fetch-ohif-app: @ohif/app ${OHIF_APP_VERSION} already in vendor/ohif-app`);
  process.exit(0);
}

const work = resolve(root, 'vendor/.ohif-app.partial');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
let tarball;
try {
  const out = execFileSync('npm', ['pack', `@ohif/app@${OHIF_APP_VERSION}`, '--pack-destination', work, '--silent'], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  tarball = resolve(work, out.trim().split('\n').pop());
} catch (err) {
  fail(`npm pack @ohif/app@${OHIF_APP_VERSION} failed (${err.message}); is the npm registry reachable?`);
}
const digest = `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`;
if (digest !== INTEGRITY) fail(`integrity mismatch for @ohif/app@${OHIF_APP_VERSION}: got ${digest}`);
execFileSync('tar', ['xzf', tarball, '-C', work, 'package/dist']);
writeFileSync(resolve(work, 'package/VERSION'), `${OHIF_APP_VERSION}\n`);
rmSync(vendor, { recursive: true, force: true });
mkdirSync(dirname(vendor), { recursive: true });
renameSync(resolve(work, 'package'), vendor);
rmSync(work, { recursive: true, force: true });
console.log(`fetch-ohif-app: @ohif/app ${OHIF_APP_VERSION} unpacked into vendor/ohif-app/dist`);
