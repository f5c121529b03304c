import { Volume, VolumeList, type VolumeCreate } from '@berth/protocol';
import type { Transport } from './transport.js';

/** A team's volumes (issue 12). */
export function volumesApi({ json, call }: Transport) {
  return {
    listVolumes: async () => (await json(VolumeList, 'GET', '/volumes')).volumes,
    createVolume: (body: VolumeCreate) => json(Volume, 'POST', '/volumes', { body }),
    deleteVolume: async (name: string, team?: string) => {
      await call('DELETE', '/volumes/{name}', { path: { name }, query: { team } });
    },
  };
}
