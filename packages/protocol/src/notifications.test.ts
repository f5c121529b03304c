import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  NOTIFICATION_FOR_AUDIT_ACTION,
  notificationTypeForAudit,
  NotificationEnvelope,
  NotificationEventType,
} from './notifications.js';

const valid = {
  id: 'evt_AbCdEf123456',
  type: 'certificate.failed',
  at: '2026-12-03T21:00:00.000Z',
  team: null,
  subject: 'domain:example.com',
  detail: { error: 'CA said no', retryAt: '2026-12-03T21:05:00.000Z' },
};

test('the audit actions berthd writes for certificates and failures map to event types', () => {
  assert.deepEqual(NOTIFICATION_FOR_AUDIT_ACTION, {
    'certificate.issue': 'certificate.issued',
    'certificate.renew': 'certificate.renewed',
    'certificate.failed': 'certificate.failed',
    'certificate.order_failed': 'certificate.failed',
    'deploy.failed': 'deploy.failed',
    'backup.failed': 'backup.failed',
    'backup.unverified': 'backup.failed',
    'backup.verified': 'backup.verified',
    'cron.failed': 'cron.failed',
    'cron.run_failed': 'cron.failed',
    'server.down': 'server.down',
    'backup.run:failed': 'backup.failed',
    'backup.run:ok': 'backup.verified',
  });
  assert.equal(NOTIFICATION_FOR_AUDIT_ACTION['notification.test'], undefined, 'tests are sent, not audited');
  for (const type of Object.values(NOTIFICATION_FOR_AUDIT_ACTION))
    assert.ok(NotificationEventType.safeParse(type).success);
});

test('an audit row is an event by its action and outcome first, then by its action', () => {
  assert.equal(notificationTypeForAudit('backup.run', 'failed'), 'backup.failed');
  assert.equal(notificationTypeForAudit('backup.run', 'ok'), 'backup.verified');
  assert.equal(notificationTypeForAudit('backup.run', 'denied'), undefined);
  assert.equal(notificationTypeForAudit('cron.run_failed', 'failed'), 'cron.failed');
  assert.equal(notificationTypeForAudit('app.create', 'ok'), undefined);
});

test('the envelope accepts an event and refuses malformed ones', () => {
  assert.deepEqual(NotificationEnvelope.parse(valid), valid);
  for (const bad of [
    { ...valid, id: '1' },
    { ...valid, type: 'backup.exploded' },
    { ...valid, subject: '' },
    { ...valid, detail: { nested: { no: true } } },
    { ...valid, detail: { long: 'x'.repeat(2001) } },
  ]) {
    assert.equal(NotificationEnvelope.safeParse(bad).success, false, JSON.stringify(bad).slice(0, 80));
  }
});
