// River hashes job args as Go's encoding/json (json.Marshal) wrote them. For JSON values that
// encoding and JSON.stringify agree on everything but five characters and one number: Go
// formats floats "as ES6 does" (shortest digits, exponent below 1e-6 and from 1e21 on), escapes
// the same control characters the same way (\b \f \n \r \t, others as lowercase \u00xx), and
// leaves other non-ASCII text raw. It differs in escaping <, > and & (HTML-safe by default) and
// U+2028, U+2029 (JavaScript line separators), and in writing a negative zero as -0.

const GO_ONLY_ESCAPES = /[<>&\u2028\u2029]/g;
const unicodeEscape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** A string as Go's encoding/json writes it: `a<b` becomes `"a\u003cb"`. */
export function goJsonString(text: string): string {
  // These five can only occur inside the string's content, never in its quoting.
  return JSON.stringify(text).replace(GO_ONLY_ESCAPES, unicodeEscape);
}

/**
 * A JSON value (as `jsonIssues` accepts: plain objects, arrays, strings, finite numbers,
 * booleans, null) as Go's `json.Marshal` writes it: compact, object keys in the order the
 * object holds them, `undefined` properties left out and `undefined` array items as `null`
 * (what `JSON.stringify` stores).
 */
export function goJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return goJsonString(value);
    case 'number':
      return Object.is(value, -0) ? '-0' : JSON.stringify(value);
    case 'object':
      if (value === null) return 'null';
      if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : goJson(item))).join(',')}]`;
      return `{${Object.entries(value)
        .filter(([, item]) => item !== undefined)
        .map(([key, item]) => `${goJsonString(key)}:${goJson(item)}`)
        .join(',')}}`;
    default:
      return JSON.stringify(value);
  }
}
