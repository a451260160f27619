/**
 * Personal data and secrets must never reach the logs, wherever they appear in a line (a header, a
 * body echoed in an error, a message string). Two layers: pino's path redaction for the fields we
 * know (fast, structural), and this scrubber over every serialized line for what slips through.
 */
const PATTERNS: Array<[RegExp, string]> = [
  // Authorization schemes with their credential.
  [/\b(Bearer|Basic|Klaviyo-API-Key)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [REDACTED]'],
  // Klaviyo private keys, Mavera keys, Standard Webhooks secrets.
  [/\bpk_[A-Za-z0-9_]{6,}/g, '[REDACTED_KEY]'],
  [/\bmvra_[A-Za-z0-9_]{6,}/g, '[REDACTED_KEY]'],
  [/\bwhsec_[A-Za-z0-9+/=_-]{6,}/g, '[REDACTED_KEY]'],
  // Email addresses.
  [/[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, '[REDACTED_EMAIL]'],
  // Phone numbers: E.164 and common formatted variants with 8+ digits.
  [/\+\d[\d\s().-]{6,}\d/g, '[REDACTED_PHONE]'],
  [/\b\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b/g, '[REDACTED_PHONE]'],
];

export function scrubSensitive(line: string): string {
  let out = line;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** pino `redact.paths`: known-sensitive fields anywhere we log request/response objects. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["klaviyo-signature"]',
  'req.headers["webhook-signature"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.apiKey',
  '*.api_key',
  '*.token',
  '*.tokens',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.email',
  '*.phone_number',
  '*.phone',
];
