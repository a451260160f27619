import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** The only version so far: AES-256-GCM, 12-byte random IV, 16-byte tag, base64url parts. */
const VERSION = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Thrown when a sealed value cannot be opened with this key: a different SECRETS_KEY, or damaged data. */
export class SecretsKeyMismatchError extends Error {
  constructor(what: string) {
    super(`${what} cannot be decrypted with this SECRETS_KEY (another key sealed it, or it is damaged)`);
    this.name = 'SecretsKeyMismatchError';
  }
}

/** Decodes SECRETS_KEY (32 bytes, base64 or base64url); undefined when it is not exactly that. */
export function decodeSecretsKey(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return undefined;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === KEY_BYTES ? key : undefined;
}

export interface SecretsBox {
  /** Encrypts `plaintext`, bound to `context` (a value sealed for one purpose does not open for another). */
  seal(plaintext: string, context: string): string;
  /** Decrypts what `seal` made with the same key and context; throws SecretsKeyMismatchError otherwise. */
  open(sealed: string, context: string): string;
}

/** AES-256-GCM under SECRETS_KEY (docs/configuration.md): what the store keeps of OAuth tokens. */
export function createSecretsBox(key: Buffer): SecretsBox {
  if (key.length !== KEY_BYTES) throw new RangeError(`a secrets key is ${KEY_BYTES} bytes`);
  return {
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(sealed, context) {
      const [version, iv, body, tag] = sealed.split('.');
      if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) throw new SecretsKeyMismatchError(context);
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretsKeyMismatchError(context);
      }
    },
  };
}
