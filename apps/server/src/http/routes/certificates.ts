import { AppParams, CertificateAdded, CertificateUpload } from '@berth/protocol';
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { scopeApp } from '../../access/authorize.js';
import { intentOf } from '../../audit/intent.js';
import type { RouteContext } from '../context.js';
import { problemResponses } from '../schemas.js';

/** `berth certs add`: bring your own certificate for an app's domains. */
export const certificateRoutes =
  (ctx: RouteContext): FastifyPluginCallbackZod =>
  (app, _opts, done) => {
    app.post(
      '/apps/:app/certificates',
      {
        config: { access: { kind: 'app', permission: 'app:write' }, audit: 'certificate.add' },
        schema: {
          operationId: 'addCertificate',
          tags: ['domains'],
          summary:
            "Serve the app's domains this certificate covers with it (the key is sealed, never returned)",
          params: AppParams,
          body: CertificateUpload,
          response: { 201: CertificateAdded, ...problemResponses },
        },
      },
      async (request, reply) => {
        const row = scopeApp(request);
        const added = await ctx.certificates.upload(
          row.name,
          request.body,
          intentOf(request, `app:${row.name}`),
        );
        request.audited = true;
        return reply.status(201).send(added);
      },
    );
    done();
  };
