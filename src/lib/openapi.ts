import { z } from 'zod';

/**
 * A small registry from which GET /openapi.json is generated. Routers describe each operation with
 * the same zod schemas they validate with, so the document cannot drift from the code. zod 4's own
 * `z.toJSONSchema` (target openapi-3.0) does the conversion.
 */
export interface OperationSpec {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express-style path; `:param` segments become `{param}`. */
  path: string;
  summary: string;
  tags: string[];
  security?: 'ingest' | 'admin' | 'klaviyo-signature';
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Request body media type when not JSON (the webhook route takes raw bytes). */
  bodyContentType?: string;
  responses: Record<number, { description: string; schema?: z.ZodType; contentType?: string }>;
}

export class OpenApiRegistry {
  private readonly operations: OperationSpec[] = [];

  add(operation: OperationSpec): void {
    this.operations.push(operation);
  }

  document(info: { title: string; version: string }): Record<string, unknown> {
    const paths: Record<string, Record<string, unknown>> = {};
    for (const op of this.operations) {
      const path = op.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      const pathParams = [...op.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({
        name: m[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      }));
      const queryParams = op.query
        ? Object.entries(op.query.shape).map(([name, schema]) => ({
            name,
            in: 'query',
            required: !(schema as z.ZodType).safeParse(undefined).success,
            schema: toSchema(schema as z.ZodType),
          }))
        : [];
      const responses: Record<string, unknown> = {};
      for (const [status, response] of Object.entries(op.responses)) {
        const contentType = response.contentType ?? (Number(status) >= 400 ? 'application/problem+json' : 'application/json');
        responses[status] = {
          description: response.description,
          ...(response.schema || Number(status) >= 400
            ? { content: { [contentType]: { schema: response.schema ? toSchema(response.schema, 'output') : { $ref: '#/components/schemas/Problem' } } } }
            : {}),
        };
      }
      paths[path] ??= {};
      paths[path][op.method] = {
        summary: op.summary,
        tags: op.tags,
        ...(op.security && op.security !== 'klaviyo-signature' ? { security: [{ [`${op.security}Token`]: [] }] } : { security: [] }),
        parameters: [...pathParams, ...queryParams],
        ...(op.body
          ? { requestBody: { required: true, content: { [op.bodyContentType ?? 'application/json']: { schema: toSchema(op.body) } } } }
          : {}),
        responses,
      };
    }
    return {
      openapi: '3.0.3',
      info,
      paths,
      components: {
        securitySchemes: {
          ingestToken: { type: 'http', scheme: 'bearer', description: 'A token from INGEST_TOKENS.' },
          adminToken: { type: 'http', scheme: 'bearer', description: 'A token from ADMIN_TOKENS.' },
        },
        schemas: { Problem: toSchema(problemSchema, 'output') },
      },
    };
  }
}

export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  requestId: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

function toSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'openapi-3.0', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return json;
}
