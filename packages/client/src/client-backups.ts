import {
  BackupList,
  BackupScheduleList,
  BackupScheduleView,
  BackupTargetList,
  BackupTargetView,
  BackupView,
  SystemBackupList,
  SystemBackupView,
  VolumeRestoreResult,
  type BackupScheduleSet,
  type BackupTargetCreate,
  type SystemBackupBody,
} from '@berth/protocol';
import type { Transport } from './transport.js';

/** A path's `{name}`, and the team it is in (the caller's default team when undefined). */
const named = (name: string, team?: string) => ({ path: { name }, query: { team } });

/** Backup targets, backups of volumes (queued jobs, followed with getBackup) and their schedules (issue 12). */
export function backupsApi({ json, call }: Transport) {
  return {
    listBackupTargets: async () => (await json(BackupTargetList, 'GET', '/backup-targets')).targets,
    createBackupTarget: (body: BackupTargetCreate) =>
      json(BackupTargetView, 'POST', '/backup-targets', { body }),
    deleteBackupTarget: async (name: string, team?: string) => {
      await call('DELETE', '/backup-targets/{name}', named(name, team));
    },
    listVolumeBackups: async (name: string, team?: string) =>
      (await json(BackupList, 'GET', '/volumes/{name}/backups', named(name, team))).backups,
    runVolumeBackup: (name: string, target: string, team?: string) =>
      json(BackupView, 'POST', '/volumes/{name}/backups', {
        path: { name },
        body: { target, ...(team !== undefined && { team }) },
      }),
    listDatabaseBackups: async (name: string, team?: string) =>
      (await json(BackupList, 'GET', '/databases/{name}/backups', named(name, team))).backups,
    runDatabaseBackup: (name: string, target: string, team?: string) =>
      json(BackupView, 'POST', '/databases/{name}/backups', {
        path: { name },
        body: { target, ...(team !== undefined && { team }) },
      }),
    getBackup: (id: string, team?: string) =>
      json(BackupView, 'GET', '/backups/{id}', { path: { id }, query: { team } }),
    listBackupSchedules: async () => (await json(BackupScheduleList, 'GET', '/backup-schedules')).schedules,
    setBackupSchedule: (body: BackupScheduleSet) =>
      json(BackupScheduleView, 'PUT', '/backup-schedules', { body }),
    deleteBackupSchedule: async (source: string, target: string, team?: string) => {
      await call('DELETE', '/backup-schedules/{source}', { path: { source }, query: { target, team } });
    },
    restoreVolume: (name: string, backup: string, team?: string) =>
      json(VolumeRestoreResult, 'POST', '/volumes/{name}/restore', {
        path: { name },
        body: { backup, ...(team !== undefined && { team }) },
      }),
    /** Berth's own state (installation owners): sealed under the passphrase, written, read back, checked. */
    createSystemBackup: (body: SystemBackupBody) =>
      json(SystemBackupView, 'POST', '/system/backups', { body }),
    listSystemBackups: async () => (await json(SystemBackupList, 'GET', '/system/backups')).backups,
  };
}
