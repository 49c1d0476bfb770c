/**
 * fast-check arbitraries for fuzzing Flightdeck's HTTP surface, and the judge of an answer,
 * for the fuzz tests in-process, over the test API server and against the real `npm start`
 * (no test runner imported here: Vitest and Playwright both use it).
 */
import fc from 'fast-check';

/** Fixed seed and a bounded number of runs: the fuzz tests are deterministic and quick inside `npm test`. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261201);
export const fuzzRuns = (dflt: number) => Number(process.env.FUZZ_RUNS ?? dflt);

/** Strings that have broken parsers before, and random ones. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '.',
    '..',
    '%',
    '%00',
    '%ff',
    '%2e%2e',
    '\u0000',
    'a\u0000b',
    '\uffff',
    '\ud800',
    '🚀',
    'x'.repeat(5000),
    '00000000-0000-0000-0000-000000000000',
    '00000000-0000-0000-0000-00000000000g',
    'alpha',
    'beta',
    'ALPHA',
    "'; DROP TABLE services; --",
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '{{service}}',
    '-1',
    '1e309',
    'NaN',
    'true',
    'null',
    '[]',
    '{}',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.tuple(fc.string({ maxLength: 8 }), fc.constantFrom('\u0000', '\u0001', '\u001b', '\u007f', '\ufeff', '\u2028')).map(([a, c]) => `${a}${c}${a}`),
  fc.uuid(),
  fc.integer().map(String),
);

/** JSON-ish bodies: valid values of any shape, malformed text, raw bytes. */
export const nastyBody: fc.Arbitrary<string | Uint8Array | undefined> = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.dictionary(nastyString, fc.oneof(nastyString, fc.integer(), fc.boolean(), fc.constant(null), fc.array(nastyString, { maxLength: 3 })), { maxKeys: 5 }).map((v) => JSON.stringify(v)),
  fc.constantFrom('{"items":', '"hello"', '42', 'null', '[1,2,3]', '['.repeat(3000) + ']'.repeat(3000), '{"items":[{"service":"beta\\u0000"}]}', '\u0000\u0001\u00ff{{{', '{"__proto__":{"admin":true}}'),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 300 }),
);

export type Credential = 'none' | 'viewer' | 'deployer' | 'approver' | 'admin' | 'revoked' | 'scoped' | 'unknown-token' | 'bad-scheme' | 'bad-cookie';
/** Mostly an admin (so requests get past authorisation to validation and the database), sometimes anyone. */
export const credential: fc.Arbitrary<Credential> = fc.oneof(
  { weight: 5, arbitrary: fc.constant<Credential>('admin') },
  { weight: 5, arbitrary: fc.constantFrom<Credential>('none', 'viewer', 'deployer', 'approver', 'revoked', 'scoped', 'unknown-token', 'bad-scheme', 'bad-cookie') },
);

/** The headers a credential is presented with. */
export function credentialHeaders(c: Credential, tokens: Partial<Record<Credential, string>>): Record<string, string> {
  switch (c) {
    case 'none':
      return {};
    case 'unknown-token':
      return { authorization: 'Bearer fdt_not-a-real-token' };
    case 'bad-scheme':
      return { authorization: 'Basic YWRtaW46YWRtaW4=' };
    case 'bad-cookie':
      return { cookie: 'fd_session=%E0%A4%A; other=1' };
    default:
      return { authorization: `Bearer ${tokens[c]}` };
  }
}

/** Extra request headers, hostile or merely unusual. */
export const extraHeaders: fc.Arbitrary<Array<[string, string]>> = fc.array(
  fc.tuple(
    fc.constantFrom('content-type', 'origin', 'accept', 'x-forwarded-for', 'x-forwarded-proto', 'accept-encoding', 'referer', 'x-http-method-override', 'cookie', 'user-agent', 'x-custom'),
    fc.oneof(
      fc.constantFrom('application/json', 'text/plain', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'https://evil.example', 'null', 'http://localhost', '*/*', 'gzip', 'DELETE', '1.2.3.4, 5.6.7.8'),
      fc.stringMatching(/^[ -~]{0,60}$/),
    ),
  ),
  { maxLength: 4 },
);

/** What is wrong with an answer, or null: a 5xx, anything of the server's insides, a refusal without the error shape. */
export function answerProblem(status: number, text: string, o: { json?: boolean } = {}): string | null {
  if (status >= 500) return `a ${status}: ${text.slice(0, 300)}`;
  if (/\n\s+at |node_modules|\.tsx?:\d+|PrismaClient|TypeError|SyntaxError:/.test(text)) return `server internals in the answer: ${text.slice(0, 300)}`;
  if (status >= 400 && text !== '' && o.json !== false) {
    let body: { error?: { code?: unknown; message?: unknown; details?: unknown } } & Record<string, unknown>;
    try {
      body = JSON.parse(text);
    } catch {
      return `a ${status} without a JSON body: ${text.slice(0, 200)}`;
    }
    const e = body?.error;
    if (!e || Object.keys(body).length !== 1 || typeof e.code !== 'string' || typeof e.message !== 'string' || typeof e.details !== 'object' || e.details === null || Object.keys(e).length !== 3) {
      return `a ${status} without the error shape: ${text.slice(0, 200)}`;
    }
  }
  return null;
}

/** Percent-encodes every byte of the UTF-8 form but the unreserved ones (lone surrogates included, which encodeURIComponent refuses). */
export function pct(s: string, keep: RegExp = /[A-Za-z0-9\-._~]/): string {
  let out = '';
  for (const ch of s) {
    if (keep.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Raw path segments that are malformed or resolve elsewhere once decoded. */
export const escapeJunk: fc.Arbitrary<string> = fc.constantFrom('%ff', '%e2%82', '%', '%zz', 'a%', '%%', '%2e%2e', '%2E', '.%2e', '%c0%af', '%ed%a0%80', 'x%0', '%00', '%2f', '%5c');

/** Query strings with the parameters routes read, holding hostile values. */
export const queryArbitrary: fc.Arbitrary<string> = fc
  .dictionary(fc.constantFrom('after', 'limit', 'environment', 'service', 'actor', 'outcome', 'before', 'lines', 'action', 'x'), fc.oneof(nastyString.map((v) => pct(v)), escapeJunk), { maxKeys: 3 })
  .map((q) => (Object.keys(q).length ? `?${Object.entries(q).map(([k, v]) => `${k}=${v}`).join('&')}` : ''));

/** One route's path with hostile parameters, encoded in several ways (or sent raw). */
export function filledPath(pattern: string): fc.Arbitrary<string> {
  const encode = fc.constantFrom<(s: string) => string>(
    (s) => pct(s),
    (s) => pct(pct(s)),
    (s) => pct(s, /[\x21-\x7e]/).replace(/[?#/]/g, (c) => pct(c)),
    (s) => s,
  );
  const value = fc.oneof({ arbitrary: fc.tuple(nastyString, encode).map(([v, enc]) => enc(v)), weight: 3 }, { arbitrary: escapeJunk, weight: 1 });
  return fc.tuple(fc.array(value, { minLength: 3, maxLength: 3 }), queryArbitrary).map(([vals, q]) => {
    let i = 0;
    return pattern.replace(/\{\w+\}/g, () => vals[i++ % vals.length]!) + q;
  });
}

/** Paths that are not any route's, or not paths at all. */
export const junkPath: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '/api/v1/services/%ff',
    '/api/v1/services/%2e%2e',
    '/api/v1/services/x/%2E%2e/versions',
    '/api/v1/services/../users',
    '/api/v1//services',
    '/api/v1/services/',
    '/api\\v1\\services',
    '/api/v1/nope',
    '/api/v2/services',
    '/api',
    '/api/',
    '/metrics/',
    '*',
    'http://evil.example/api/v1/services',
    '/%',
    '/api/v1/services?%ff=1',
    '/api/v1/services#frag',
  ),
  fc.string({ maxLength: 30 }).map((s) => `/api/v1/${s}`),
  fc.string({ maxLength: 30 }).map((s) => `/api/v1/${pct(s, /[\x21-\x7e]/)}`),
);
