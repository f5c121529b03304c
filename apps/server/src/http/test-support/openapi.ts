import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { isObject, SPEC_FILE, type Json, type JsonObject } from '../../openapi/spec.js';
import type { Method } from './http.js';
import { validateJson } from './json-schema.js';

/** The committed openapi.yaml, read the way a client of the API would read it. */

export interface Operation {
  operationId: string;
  method: Method;
  /** The OpenAPI path, e.g. `/api/v1/apps/{app}`. */
  path: string;
  /** No token needed (`security: []`). */
  isPublic: boolean;
  pathParams: string[];
  /** Every parameter the spec declares: path, query and header. */
  parameters: Parameter[];
  hasBody: boolean;
  /**
   * What the body is: JSON; JSON that the route reads only after its HMAC signature checks out
   * (webhooks: an unsigned body is 401, never parsed); a tar archive (uploads); or none.
   */
  bodyKind: 'json' | 'signed-json' | 'tar' | null;
  /** The JSON schema of the request body, or null when it takes none. */
  bodySchema: Json | null;
  responses: JsonObject;
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required: boolean;
  schema: Json;
}

export const readCommittedSpec = (): JsonObject => {
  const spec = parse(readFileSync(SPEC_FILE, 'utf8')) as Json;
  if (!isObject(spec)) throw new Error(`${SPEC_FILE} is not an OpenAPI document`);
  return spec;
};

const METHODS: readonly Method[] = ['GET', 'PUT', 'POST', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

export function listOperations(spec: JsonObject = readCommittedSpec()): Operation[] {
  const paths = isObject(spec.paths) ? spec.paths : {};
  return Object.entries(paths).flatMap(([path, item]) =>
    METHODS.flatMap((method): Operation[] => {
      const op = isObject(item) ? item[method.toLowerCase()] : undefined;
      if (!isObject(op)) return [];
      const parameters = Array.isArray(op.parameters) ? op.parameters.filter(isObject) : [];
      return [
        {
          operationId: typeof op.operationId === 'string' ? op.operationId : `${method} ${path}`,
          method,
          path,
          isPublic: Array.isArray(op.security) && op.security.length === 0,
          pathParams: parameters.flatMap((p) =>
            p.in === 'path' && typeof p.name === 'string' ? [p.name] : [],
          ),
          parameters: parameters.flatMap((p): Parameter[] =>
            typeof p.name === 'string' && (p.in === 'path' || p.in === 'query' || p.in === 'header')
              ? [{ name: p.name, in: p.in, required: p.required === true, schema: p.schema ?? true }]
              : [],
          ),
          hasBody: op.requestBody !== undefined,
          bodyKind: bodyKindOf(op.requestBody, parameters),
          bodySchema: bodySchemaOf(op.requestBody),
          responses: isObject(op.responses) ? op.responses : {},
        },
      ];
    }),
  );
}

function bodyKindOf(body: Json | undefined, parameters: JsonObject[]): Operation['bodyKind'] {
  if (!isObject(body) || !isObject(body.content)) return null;
  if (body.content['application/x-tar'] !== undefined) return 'tar';
  return parameters.some((p) => p.name === 'x-hub-signature-256') ? 'signed-json' : 'json';
}

function bodySchemaOf(body: Json | undefined): Json | null {
  if (!isObject(body) || !isObject(body.content)) return null;
  const media = body.content['application/json'];
  return isObject(media) && media.schema !== undefined ? media.schema : null;
}

/** The URL of an operation with its path parameters filled in (URL-encoded). */
export function toUrl(op: Operation, params: Record<string, string>, query = ''): string {
  const url = op.path.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${op.operationId} needs path parameter ${name}`);
    return encodeURIComponent(value);
  });
  return query ? `${url}?${query}` : url;
}

/** The documented schema of a response, or null when the status documents no body. */
export function responseSchema(op: Operation, status: number, contentType: string): Json | null {
  const response = op.responses[String(status)];
  if (!isObject(response)) throw new Error(`${op.operationId} does not document status ${status}`);
  if (!isObject(response.content)) return null;
  const media = response.content[contentType];
  if (!isObject(media) || media.schema === undefined) {
    const documented = Object.keys(response.content).join(', ');
    throw new Error(`${op.operationId} ${status} is documented as ${documented}, not ${contentType}`);
  }
  return media.schema;
}

/** Validation errors of `body` against what openapi.yaml documents for this status. */
export function checkResponse(op: Operation, status: number, contentType: string, body: unknown): string[] {
  const schema = responseSchema(op, status, contentType);
  return schema === null ? [] : validateJson(schema, body);
}
