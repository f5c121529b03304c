import type { paths } from '@berth/api-schema';

/**
 * Requests typed against openapi.yaml (through @berth/api-schema's generated `paths`): a call
 * names a path template of the spec and a method the spec has on it, and gives the path's
 * parameters and query as the spec types them. A route renamed, removed or given another
 * parameter on berthd fails this package's typecheck once openapi.yaml is regenerated, instead of
 * a 404 in someone's terminal.
 */

/** Every path in the spec starts with it; the transport adds it, so calls read `/apps/{app}`. */
export const API_PREFIX = '/api/v1';

/** The spec's paths without the prefix. */
type Api = {
  [K in keyof paths as K extends `${typeof API_PREFIX}${infer Rest}` ? Rest : never]: paths[K];
};

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The spec's operation for `method` on `path`; never when it has none (`get?: never`). */
type Operation<P extends keyof Api, M extends Method> = NonNullable<Api[P][Lowercase<M>]>;

/** The path templates the spec has a `method` operation on (`'/apps/{app}'` for GET). */
export type ApiPath<M extends Method> = {
  [P in keyof Api]: [Operation<P, M>] extends [never] ? never : P;
}[keyof Api];

type OperationParameters<P extends keyof Api, M extends Method> =
  Operation<P, M> extends { parameters: infer X } ? X : never;
type PathParams<P extends keyof Api, M extends Method> =
  OperationParameters<P, M> extends { path?: infer X } ? NonNullable<X> : never;
type QueryParams<P extends keyof Api, M extends Method> =
  OperationParameters<P, M> extends { query?: infer X } ? NonNullable<X> : never;

type PathOption<X> = [X] extends [never] ? { path?: never } : { path: X };
/** `object extends X`: every property of X is optional, so the query may be left out. */
type QueryOption<X> = [X] extends [never]
  ? { query?: never }
  : object extends X
    ? { query?: X }
    : { query: X };

type RequestBody<P extends keyof Api, M extends Method> = NonNullable<Operation<P, M>['requestBody']>;
/**
 * The body the spec takes: its JSON, or bytes for any other content (an upload's tar, sent with
 * the caller's content-type header); none for an operation without a request body.
 */
type Body<P extends keyof Api, M extends Method> = [RequestBody<P, M>] extends [never]
  ? never
  : RequestBody<P, M> extends { content: { 'application/json': infer B } }
    ? B
    : Uint8Array;

/** What a request to `path` gives besides its method: parameters as the spec types them, body, headers. */
export type RequestOptions<P extends keyof Api, M extends Method> = PathOption<PathParams<P, M>> &
  QueryOption<QueryParams<P, M>> & {
    /** Sent as JSON; bytes (Uint8Array) go as they are. */
    body?: Body<P, M>;
    headers?: Record<string, string>;
  };

/** The options argument, optional exactly when nothing in it is required (no path parameters). */
export type OptionsArg<O> = object extends O ? [options?: O] : [options: O];

type ParamValue = string | number | boolean;

/** The parameters of any request, as the transport handles them once the types have been checked. */
export interface RequestParams {
  path?: Readonly<Record<string, ParamValue>>;
  /** An array is the parameter repeated (`cmd=a&cmd=b`). */
  query?: Readonly<Record<string, ParamValue | readonly ParamValue[] | undefined>>;
}

/**
 * The path of a request: `template`'s `{name}`s filled from `params.path`, each value
 * percent-encoded (so a name like `../users?x=1` stays one segment and cannot reach another
 * route), then the query, without the entries left undefined. A parameter missing from
 * `params.path`, or one the template does not have, throws: the types rule both out, so either is
 * a bug in the caller, and a request to the wrong URL is worse than none.
 */
export function requestPath(template: string, { path = {}, query = {} }: RequestParams = {}): string {
  const filled = new Set<string>();
  const url = template.replace(/\{([^{}]+)\}/g, (_match, name: string) => {
    const value = Object.hasOwn(path, name) ? path[name] : undefined;
    if (value === undefined || value === null)
      throw new TypeError(`${template}: no value for the path parameter ${name}`);
    filled.add(name);
    return encodeURIComponent(String(value));
  });
  const extra = Object.keys(path).filter((name) => !filled.has(name));
  if (extra.length > 0) throw new TypeError(`${template}: has no path parameter ${extra.join(', ')}`);
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    const values: readonly (ParamValue | undefined)[] = Array.isArray(value) ? value : [value];
    for (const v of values) if (v !== undefined) search.append(name, String(v));
  }
  const text = search.toString();
  return text === '' ? url : `${url}?${text}`;
}
