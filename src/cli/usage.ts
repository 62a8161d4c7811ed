/**
 * Command-line values checked where they are parsed, so that a typo stops the command with the
 * option's name instead of silently running with a default. A UsageError exits with status 2,
 * apart from a failed input (status 1).
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Bad usage: ours, or node:util parseArgs' own (an unknown option, a missing value). */
export function isUsageError(err: unknown): boolean {
  if (err instanceof UsageError) return true;
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_');
}

export function positiveInteger(name: string, value: string | undefined): number | undefined;
export function positiveInteger(name: string, value: string | undefined, fallback: number): number;
export function positiveInteger(name: string, value: string | undefined, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return n;
}

/** A count where 0 means none (of workers, say). */
export function nonNegativeInteger(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0) throw new UsageError(`--${name} must be 0 or a positive integer, got "${value}"`);
  return n;
}

/** A probability strictly between 0 and 1 (a threshold of 0 or 1 would mark every pixel or none). */
export function openUnitInterval(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new UsageError(`--${name} must be between 0 and 1, got "${value}"`);
  return n;
}

export function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`--${name} must be ${allowed.slice(0, -1).join(', ')}${allowed.length > 1 ? ' or ' : ''}${allowed.at(-1)}, got "${value}"`);
  return value as T;
}
