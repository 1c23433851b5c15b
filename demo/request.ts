/**
 * Reading a `/search` request: the query string parsed strictly, and `q` checked and
 * normalised, with every problem turned into an {@link HttpError} the server answers as JSON.
 */

import { normalizeQuery } from './normalize.js';

/** The limits on `q`, checked before anything is searched. */
export const LIMITS = {
  /** Longest `q`, in characters (UTF-16 code units): longer gets 414. */
  queryLength: 256,
  /** Most distinct terms after normalisation: more gets 400. */
  terms: 10,
  /** Hits per response. */
  results: 10,
} as const;

/**
 * An error the server answers with its status and message as JSON:
 * `{ "status": 400, "error": "\"q\" is empty" }`.
 *
 * @example
 * ```ts
 * throw new HttpError(405, 'POST is not allowed on /search; use GET', { allow: 'GET, HEAD' });
 * ```
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * The query string's parameters (everything after `?`). `+` is a space and `%XX` is decoded
 * (UTF-8), as HTML forms send them; malformed percent-encoding is a 400 rather than guessed at.
 *
 * @example
 * ```ts
 * parseParams('q=rust+cache&q=x'); // Map { 'q' => ['rust cache', 'x'] }
 * parseParams('q=%E0%A4');         // throws HttpError 400
 * ```
 */
export function parseParams(query: string): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    const rawValue = eq === -1 ? '' : part.slice(eq + 1);
    let name: string;
    let value: string;
    try {
      name = decodeURIComponent(rawName.replaceAll('+', ' '));
      value = decodeURIComponent(rawValue.replaceAll('+', ' '));
    } catch {
      throw new HttpError(400, 'malformed percent-encoding in the query string');
    }
    const values = params.get(name);
    if (values === undefined) params.set(name, [value]);
    else values.push(value);
  }
  return params;
}

/**
 * The normalised terms and cache key of a request's `q`. Missing, repeated, empty `q`, or one
 * without letters or digits, or with more than 10 distinct terms: 400. Longer than 256
 * characters: 414. (A `q` with no searchable terms is an error rather than an empty result,
 * so a client bug shows up as one.)
 *
 * @example
 * ```ts
 * readQuery(parseParams('q=Rust,+CACHE')); // { terms: ['cache', 'rust'], key: 'cache rust' }
 * ```
 */
export function readQuery(params: Map<string, string[]>): {
  terms: readonly string[];
  key: string;
} {
  const values = params.get('q');
  if (values === undefined) {
    throw new HttpError(400, 'missing query parameter "q" (try /search?q=gosgo+mon)');
  }
  if (values.length > 1) throw new HttpError(400, 'query parameter "q" is given more than once');
  const q = values[0]!;
  if (q.length > LIMITS.queryLength) {
    throw new HttpError(
      414,
      `"q" is ${q.length} characters long; the limit is ${LIMITS.queryLength}`,
    );
  }
  if (q.trim() === '') throw new HttpError(400, '"q" is empty');
  const { terms, key } = normalizeQuery(q);
  if (terms.length === 0) {
    throw new HttpError(400, '"q" has no searchable terms: it needs letters or digits');
  }
  if (terms.length > LIMITS.terms) {
    throw new HttpError(
      400,
      `"q" has ${terms.length} distinct terms; the limit is ${LIMITS.terms}`,
    );
  }
  return { terms, key };
}
