import { addServerVia, claimedServerVia, joinBody, joinedServerVia } from './servers.js';
import type { Scenario } from './rbac-scenarios.js';

/** The RBAC matrix's calls on the fleet's servers (see rbac-scenarios.ts). */

export const SERVER_SCENARIOS: Record<string, Scenario> = {
  listServers: { own: () => ({}) },
  getServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `get-${n}`, w.root.token);
      return { params: { name: `get-${n}` } };
    },
  },
  createServer: { own: (_w, { n }) => ({ body: { name: `add-${n}` } }) },
  removeServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `rm-${n}`, w.root.token);
      return { params: { name: `rm-${n}` } };
    },
  },
  approveServer: {
    async own(w, { n }) {
      await claimedServerVia(w.client, `claimed-${n}`, w.root.token);
      return { params: { name: `claimed-${n}` } };
    },
  },
  drainServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `drain-${n}`, w.root.token);
      return { params: { name: `drain-${n}` } };
    },
  },
  undrainServer: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `undrain-${n}`, w.root.token);
      return { params: { name: `undrain-${n}` } };
    },
  },
  getProxyHistory: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `proxy-${n}`, w.root.token);
      return { params: { name: `proxy-${n}` } };
    },
  },
  rollbackProxy: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `proxy-back-${n}`, w.root.token);
      return { params: { name: `proxy-back-${n}` }, body: { version: 1 } };
    },
  },
  patchServerLabels: {
    async own(w, { n }) {
      await joinedServerVia(w.client, `labels-${n}`, w.root.token);
      return { params: { name: `labels-${n}` }, body: { set: { zone: 'b' } } };
    },
  },
  joinServer: {
    async own(w, { n }) {
      const added = await addServerVia(w.client, `join-${n}`, w.root.token);
      return { body: joinBody(added.token), token: null };
    },
  },
};
