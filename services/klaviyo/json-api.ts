/** The JSON:API document shapes Klaviyo answers with (only what callers read). */
export interface JsonApiLinks {
  self?: string;
  first?: string | null;
  last?: string | null;
  prev?: string | null;
  /** Absent or null on the last page. */
  next?: string | null;
}

export interface JsonApiRelationship {
  data?: { type: string; id: string } | Array<{ type: string; id: string }> | null;
  links?: JsonApiLinks;
}

export interface JsonApiResource<A = Record<string, unknown>> {
  type: string;
  id: string;
  attributes: A;
  relationships?: Record<string, JsonApiRelationship>;
  links?: JsonApiLinks;
}

export interface JsonApiDocument<D> {
  data: D;
  included?: JsonApiResource[];
  links?: JsonApiLinks;
  meta?: Record<string, unknown>;
}

/** Per-call options every endpoint function accepts. */
export interface CallOptions {
  /** Cancels the call wherever it is: queued for its limit class, backing off, or in flight. */
  signal?: AbortSignal;
}
