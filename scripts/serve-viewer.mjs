#!/usr/bin/env node
// Serves the assembled viewer (dist/viewer) with COOP/COEP (cross-origin isolation, so that
// onnxruntime-web's WASM threads run), writes app-config.js from the options, and proxies
// /dicom-web to a DICOMweb server when one is given, so the browser talks to one origin.
//
//   node scripts/serve-viewer.mjs [--port 3000] [--host 127.0.0.1] [--pacs http://host:8042/dicom-web] [--no-isolation]
//
// TRUS_PACS_URL in the environment does the same as --pacs. TRUS_PACS_AUTHORIZATION (e.g.
// "Bearer <token>" or "Basic <base64>") is sent to the PACS with every proxied request that has no
// Authorization of its own: the token stays on the server, out of the page and the command line.
// Prints the viewer's URLs.
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.dcm': 'application/dicom',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.md': 'text/markdown; charset=utf-8',
};

function parseArgs(argv) {
  const o = { port: 3000, host: '127.0.0.1', pacs: process.env.TRUS_PACS_URL || '', pacsAuthorization: process.env.TRUS_PACS_AUTHORIZATION || '', isolation: true, viewerRoot: resolve(root, 'dist/viewer') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--port') o.port = Number(value());
    else if (a === '--host') o.host = value();
    else if (a === '--pacs') o.pacs = value();
    else if (a === '--root') o.viewerRoot = resolve(value());
    else if (a === '--no-isolation') o.isolation = false;
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new Error(`--port: not a port number`);
  if (o.pacs && !/^https?:\/\//.test(o.pacs)) throw new Error(`--pacs: expected an http(s) DICOMweb root URL, got ${o.pacs}`);
  return o;
}

export function appConfig({ pacs }) {
  const dataSources = [
    {
      namespace: '@ohif/extension-default.dataSourcesModule.dicomjson',
      sourceName: 'demo',
      configuration: { friendlyName: 'Embedded demo loop (DICOM JSON)', name: 'json' },
    },
    {
      namespace: '@ohif/extension-default.dataSourcesModule.dicomlocal',
      sourceName: 'dicomlocal',
      configuration: { friendlyName: 'Local DICOM files' },
    },
  ];
  if (pacs) {
    dataSources.push({
      namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
      sourceName: 'pacs',
      configuration: {
        friendlyName: 'PACS (DICOMweb)',
        name: 'pacs',
        qidoRoot: '/dicom-web',
        wadoRoot: '/dicom-web',
        wadoUriRoot: '/dicom-web',
        qidoSupportsIncludeField: false,
        imageRendering: 'wadors',
        thumbnailRendering: 'wadors',
        enableStudyLazyLoad: true,
        supportsFuzzyMatching: false,
        supportsWildcard: true,
        omitQuotationForMultipartRequest: true,
        bulkDataURI: { enabled: true, relativeResolution: 'studies' },
      },
    });
  }
  const config = {
    routerBasename: '/',
    extensions: ['trus-cine-seg-extension'],
    modes: ['trus-cine-seg-mode'],
    showStudyList: true,
    maxNumberOfWebWorkers: 2,
    showLoadingIndicator: true,
    showCPUFallbackMessage: false,
    showWarningMessageForCrossOrigin: false,
    investigationalUseDialog: { option: 'never' },
    defaultDataSourceName: pacs ? 'pacs' : 'demo',
    dataSources,
  };
  return `// Written by scripts/serve-viewer.mjs\nwindow.config = ${JSON.stringify(config, null, 2)};\n`;
}

function proxy(req, res, pacs, authorization) {
  const target = new URL(pacs.replace(/\/+$/, '') + req.url.slice('/dicom-web'.length));
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...req.headers, host: target.host };
  if (authorization && !headers.authorization) headers.authorization = authorization;
  const upstream = send(target, { method: req.method, headers }, (up) => {
    res.writeHead(up.statusCode ?? 502, { ...up.headers, 'cross-origin-resource-policy': 'same-origin' });
    up.pipe(res);
  });
  upstream.on('error', (err) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`the PACS at ${pacs} did not answer: ${err.message}`);
  });
  req.pipe(upstream);
}

export function startViewerServer(options) {
  const o = { port: 3000, host: '127.0.0.1', pacs: '', pacsAuthorization: '', isolation: true, viewerRoot: resolve(root, 'dist/viewer'), ...options };
  if (!existsSync(join(o.viewerRoot, 'index.html'))) throw new Error(`${o.viewerRoot} has no index.html: run \`npm run build\` first`);
  const config = appConfig(o);
  const indexHtml = readFileSync(join(o.viewerRoot, 'index.html'));
  const server = createServer((req, res) => {
    if (o.isolation) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.startsWith('/dicom-web')) {
      if (!o.pacs) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('no PACS configured: start the viewer with --pacs <DICOMweb URL>');
        return;
      }
      proxy(req, res, o.pacs, o.pacsAuthorization);
      return;
    }
    if (path === '/app-config.js') {
      res.writeHead(200, { 'content-type': MIME['.js'], 'cache-control': 'no-store' });
      res.end(config);
      return;
    }
    const file = normalize(join(o.viewerRoot, path));
    if (file.startsWith(o.viewerRoot) && existsSync(file) && statSync(file).isFile()) {
      res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-length': statSync(file).size });
      createReadStream(file).pipe(res);
      return;
    }
    if (extname(path)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: ${path}`);
      return;
    }
    // Client-side routes of the single-page viewer.
    res.writeHead(200, { 'content-type': MIME['.html'] });
    res.end(indexHtml);
  });
  return new Promise((resolvePromise, reject) => {
    server.once('error', (err) => {
      // The common case on a second `npm start`: say what to do, not only the errno.
      if (err.code === 'EADDRINUSE') reject(new Error(`port ${o.port} on ${o.host} is in use (another viewer still running?): stop it, or choose another port with --port N`));
      else reject(err);
    });
    server.listen(o.port, o.host, () => {
      const address = server.address();
      resolvePromise({ server, url: `http://${o.host}:${address.port}` });
    });
  });
}

export function demoUrl(base, viewerRoot = resolve(root, 'dist/viewer')) {
  const study = JSON.parse(readFileSync(join(viewerRoot, 'demo/trus-demo-study.json'), 'utf8')).studies[0].StudyInstanceUID;
  return `${base}/trus-cine/demo?url=/demo/trus-demo-study.json&StudyInstanceUIDs=${study}`;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error(`serve-viewer: ${err.message}`);
    process.exit(2);
  }
  startViewerServer(options).then(
    ({ url }) => {
      console.log(`viewer: ${url}`);
      console.log(`demo loop in the TRUS Cine Segmentation mode: ${demoUrl(url, options.viewerRoot)}`);
      if (options.pacs) console.log(`PACS (DICOMweb, proxied at ${url}/dicom-web): ${options.pacs}${options.pacsAuthorization ? ' (with TRUS_PACS_AUTHORIZATION)' : ''}; study list: ${url}/`);
      console.log('Research use only, not for clinical use: the models were trained on simulated data. Ctrl-C stops the server.');
    },
    (err) => {
      console.error(`serve-viewer: ${err.message}`);
      process.exit(1);
    },
  );
}
