// The API's types live in @berth/api-schema (generated from openapi.yaml), shared with the CLI's client.
export type { $defs, components, operations, paths, webhooks } from '@berth/api-schema';
