import {
  AppParams,
  Domain,
  DomainCheck,
  DomainCreate,
  DomainList,
  DomainParams,
  DomainsAdded,
  DomainsRemoved,
} from '@berth/protocol';
import type { DomainRow } from '@berth/store';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { scopeApp } from '../../access/authorize.js';
import { intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export const toDomainView = (row: DomainRow, appName: string): Domain => ({
  name: row.name,
  appName,
  kind: row.kind,
  redirectTo: row.redirectTo,
  status: row.status,
  issuer: row.issuer,
  expiresAt: iso(row.expiresAt),
  lastError: row.lastError,
  createdAt: new Date(row.createdAt).toISOString(),
});

/** Custom domains of an app: `berth domains add|list|remove`. */
export const domainRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.get(
      '/apps/:app/domains',
      {
        config: { access: { kind: 'app', permission: 'app:read' } },
        schema: {
          operationId: 'listDomains',
          tags: ['domains'],
          params: AppParams,
          response: { 200: DomainList, ...problemResponses },
        },
      },
      async (request) => {
        const row = scopeApp(request);
        const { domains, defaultHostname: d } = await ctx.domains.list(row.name);
        const views = domains.map((domain) => toDomainView(domain, row.name));
        if (d === null) return { domains: views };
        const listed: Domain = {
          ...{ name: d.name, appName: row.name, kind: 'default', redirectTo: null, status: d.status },
          ...{ issuer: d.issuer, expiresAt: iso(d.expiresAt), lastError: d.lastError },
          createdAt: new Date(row.createdAt).toISOString(),
        };
        return { domains: [listed, ...views] };
      },
    );

    app.post(
      '/apps/:app/domains',
      {
        config: { access: { kind: 'app', permission: 'app:write' }, audit: 'domain.add' },
        schema: {
          operationId: 'addDomain',
          tags: ['domains'],
          summary:
            'Serve the app on a domain (and names that redirect to it); HTTPS once it has a certificate',
          params: AppParams,
          body: DomainCreate,
          response: { 201: DomainsAdded, ...problemResponses },
        },
      },
      async (request, reply) => {
        const row = scopeApp(request);
        const added = await ctx.domains.add(
          row.name,
          request.body,
          intentOf(request, `app:${row.name}`, { domain: request.body.name.trim() }),
        );
        request.audited = true;
        return reply.status(201).send({ domains: added.map((d) => toDomainView(d, row.name)) });
      },
    );

    app.post(
      '/apps/:app/domains/:name/check',
      {
        config: { access: { kind: 'app', permission: 'app:read' }, audit: 'domain.check' },
        schema: {
          operationId: 'checkDomain',
          tags: ['domains'],
          summary:
            'What a CA would find now: the DNS records, an HTTP-01 probe through the name to the edges, and what the CA said last',
          params: DomainParams,
          response: { 200: DomainCheck, ...problemResponses },
        },
      },
      async (request) => {
        const row = scopeApp(request);
        return ctx.domains.check(row.name, request.params.name);
      },
    );

    app.post(
      '/apps/:app/domains/:name/renew',
      {
        config: { access: { kind: 'app', permission: 'app:write' }, audit: 'domain.renew' },
        schema: {
          operationId: 'renewDomain',
          tags: ['domains'],
          summary: "Order the domain's certificate again now (its redirecting names with it)",
          params: DomainParams,
          response: { 202: Domain, ...problemResponses },
        },
      },
      async (request, reply) => {
        const row = scopeApp(request);
        const domain = await ctx.domains.renew(
          row.name,
          request.params.name,
          intentOf(request, `app:${row.name}`, { domain: request.params.name }),
        );
        request.audited = true;
        return reply.status(202).send(toDomainView(domain, row.name));
      },
    );

    app.delete(
      '/apps/:app/domains/:name',
      {
        config: { access: { kind: 'app', permission: 'app:write' }, audit: 'domain.remove' },
        schema: {
          operationId: 'removeDomain',
          tags: ['domains'],
          summary: 'Stop serving the app on a domain (a primary takes its redirecting names with it)',
          params: DomainParams,
          response: { 200: DomainsRemoved, ...problemResponses },
        },
      },
      async (request) => {
        const row = scopeApp(request);
        const removed = await ctx.domains.remove(
          row.name,
          request.params.name,
          intentOf(request, `app:${row.name}`, { domain: request.params.name }),
        );
        request.audited = true;
        return { removed };
      },
    );
    done();
  };
