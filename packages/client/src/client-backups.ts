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

const teamQuery = (team?: string): string => (team === undefined ? '' : `?team=${encodeURIComponent(team)}`);
const volume = (name: string): string => `/volumes/${encodeURIComponent(name)}`;

/** Backup targets, backups of volumes (queued jobs, followed with getBackup) and their schedules (issue 12). */
export function backupsApi({ json, call }: Transport) {
  return {
    listBackupTargets: async () => (await json(BackupTargetList, 'GET', '/backup-targets')).targets,
    createBackupTarget: (body: BackupTargetCreate) => json(BackupTargetView, 'POST', '/backup-targets', body),
    deleteBackupTarget: async (name: string, team?: string) => {
      await call('DELETE', `/backup-targets/${encodeURIComponent(name)}${teamQuery(team)}`);
    },
    listVolumeBackups: async (name: string, team?: string) =>
      (await json(BackupList, 'GET', `${volume(name)}/backups${teamQuery(team)}`)).backups,
    runVolumeBackup: (name: string, target: string, team?: string) =>
      json(BackupView, 'POST', `${volume(name)}/backups`, { target, ...(team !== undefined && { team }) }),
    listDatabaseBackups: async (name: string, team?: string) =>
      (await json(BackupList, 'GET', `/databases/${encodeURIComponent(name)}/backups${teamQuery(team)}`))
        .backups,
    runDatabaseBackup: (name: string, target: string, team?: string) =>
      json(BackupView, 'POST', `/databases/${encodeURIComponent(name)}/backups`, {
        target,
        ...(team !== undefined && { team }),
      }),
    getBackup: (id: string, team?: string) =>
      json(BackupView, 'GET', `/backups/${encodeURIComponent(id)}${teamQuery(team)}`),
    listBackupSchedules: async () => (await json(BackupScheduleList, 'GET', '/backup-schedules')).schedules,
    setBackupSchedule: (body: BackupScheduleSet) =>
      json(BackupScheduleView, 'PUT', '/backup-schedules', body),
    deleteBackupSchedule: async (source: string, target: string, team?: string) => {
      const query = new URLSearchParams({ target, ...(team !== undefined && { team }) });
      await call('DELETE', `/backup-schedules/${encodeURIComponent(source)}?${query.toString()}`);
    },
    restoreVolume: (name: string, backup: string, team?: string) =>
      json(VolumeRestoreResult, 'POST', `${volume(name)}/restore`, {
        backup,
        ...(team !== undefined && { team }),
      }),
    /** Berth's own state (installation owners): sealed under the passphrase, written, read back, checked. */
    createSystemBackup: (body: SystemBackupBody) => json(SystemBackupView, 'POST', '/system/backups', body),
    listSystemBackups: async () => (await json(SystemBackupList, 'GET', '/system/backups')).backups,
  };
}
