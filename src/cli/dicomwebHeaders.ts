/**
 * Headers sent with every DICOMweb request of a command (QIDO, WADO, STOW): `--header` options,
 * and TRUS_PACS_AUTHORIZATION from the environment, which keeps a token off the command line
 * (where any user of the machine can read it in the process list). The viewer's server sends the
 * same variable to the PACS it proxies.
 */
import { UsageError } from './usage.js';

export const AUTHORIZATION_VARIABLE = 'TRUS_PACS_AUTHORIZATION';

export function dicomwebHeaders(options: readonly string[] = [], env: Record<string, string | undefined> = process.env): Record<string, string> {
  const headers: Record<string, string> = {};
  const set = (name: string, value: string) => {
    // Header names are case-insensitive: a later one replaces an earlier one of any case.
    for (const key of Object.keys(headers)) if (key.toLowerCase() === name.toLowerCase()) delete headers[key];
    headers[name] = value;
  };
  const authorization = env[AUTHORIZATION_VARIABLE];
  if (authorization) set('Authorization', authorization);
  for (const option of options) {
    const m = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+):\s*(\S.*)$/.exec(option);
    if (!m) throw new UsageError(`--header must be "Name: value", got "${option}"`);
    set(m[1]!, m[2]!.trim());
  }
  return headers;
}
