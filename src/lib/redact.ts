/**
 * Personal data and secrets must never reach the logs, wherever they appear in a line (a header, a
 * body echoed in an error, a message string, a field someone logged by mistake). One scrubber runs
 * over every serialized line: it censors the values of sensitive field names and anything shaped
 * like a credential, an email address or a phone number.
 *
 * It runs on every line, so a single cheap test finds the lines that could hold something
 * sensitive, and only those pay for the replacements.
 */
const SENSITIVE_FIELD = String.raw`(?:authorization|cookie|set-cookie|password|passwd|secrets?|tokens?|api[_-]?keys?|x-api-key|klaviyo-signature|webhook-signature|signature)`;

const PATTERNS: Array<[RegExp, string]> = [
  // "token":"…" / "secrets":["…","…"] — the value of a sensitive field, whatever it looks like.
  [new RegExp(String.raw`("${SENSITIVE_FIELD}"\s*:\s*)"(?:[^"\\]|\\.)*"`, 'gi'), '$1"[REDACTED]"'],
  [new RegExp(String.raw`("${SENSITIVE_FIELD}"\s*:\s*)\[[^\]]*\]`, 'gi'), '$1"[REDACTED]"'],
  // Authorization schemes with their credential.
  [/\b(Bearer|Basic|Klaviyo-API-Key)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [REDACTED]'],
  // Klaviyo private keys, Mavera keys, Standard Webhooks secrets.
  [/\b(?:pk|mvra|whsec)_[A-Za-z0-9+/=_-]{6,}/g, '[REDACTED_KEY]'],
  // Email addresses.
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[REDACTED_EMAIL]'],
  // Phone numbers: E.164 and common formatted variants.
  [/\+\d[\d\s().-]{6,}\d/g, '[REDACTED_PHONE]'],
  [/\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g, '[REDACTED_PHONE]'],
];

/** True when a line might hold something PATTERNS would censor (a superset test, one pass). */
const MIGHT_BE_SENSITIVE = new RegExp(
  String.raw`[@+]|"${SENSITIVE_FIELD}"|Bearer|Basic|Klaviyo-API-Key|pk_|mvra_|whsec_|\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}`,
  'i',
);

export function scrubSensitive(line: string): string {
  if (!MIGHT_BE_SENSITIVE.test(line)) return line;
  let out = line;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** Query parameters whose value is a credential, whatever it looks like (`?api_key=`, `?access_token=`, `?sig=`). */
const SENSITIVE_QUERY_NAME = /token|key|secret|signature|\bsig\b|passw|auth|credential/i;

/** `%XX` decoded where it is valid UTF-8; left as sent otherwise. `+` stays `+` (a phone's, often). */
function percentDecoded(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** One URL component, censored as a log line would be once decoded; untouched when nothing is sensitive. */
function scrubComponent(encoded: string): string {
  const decoded = percentDecoded(encoded);
  const scrubbed = scrubSensitive(decoded);
  return scrubbed === decoded ? encoded : scrubbed;
}

/**
 * A request URL as the access log may show it: the values of credential-named query parameters
 * censored, and emails, phones and keys censored in the path and the query also when they arrive
 * percent-encoded (`jane%40example.com`, `%2B15551234567`), which the line scrubber cannot see.
 */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  const path = scrubComponent(q === -1 ? url : url.slice(0, q));
  if (q === -1) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq !== -1 && SENSITIVE_QUERY_NAME.test(percentDecoded(pair.slice(0, eq)))) return `${pair.slice(0, eq)}=[REDACTED]`;
      return scrubComponent(pair);
    });
  return `${path}?${query.join('&')}`;
}
