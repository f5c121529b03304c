import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT_SERVICE, renderServiceUnit, renderUpUnit, toSystemdArg } from './service-unit.js';

test('the unit runs berth up with its flags, restarts on failure and logs to the journal', () => {
  const unit = renderUpUnit({
    node: '/usr/bin/node',
    cli: '/opt/berth/apps/cli/dist/main.js',
    args: ['--data-dir', '/var/lib/berth', '--http-port', '80'],
    readme: '/opt/berth/README.md',
  });
  assert.match(
    unit,
    /^ExecStart=\/usr\/bin\/node \/opt\/berth\/apps\/cli\/dist\/main\.js up --data-dir \/var\/lib\/berth --http-port 80$/m,
  );
  for (const line of [
    'Restart=on-failure',
    'KillMode=mixed',
    'StandardOutput=journal',
    'WantedBy=multi-user.target',
  ]) {
    assert.ok(unit.split('\n').includes(line), line);
  }
});

test('arguments are quoted and escaped as systemd reads them', () => {
  assert.equal(toSystemdArg('/var/lib/berth'), '/var/lib/berth');
  assert.equal(toSystemdArg('/srv/my data'), '"/srv/my data"');
  assert.equal(toSystemdArg('100%'), '100%%');
  assert.equal(toSystemdArg('$HOME'), '"$$HOME"');
  assert.equal(toSystemdArg('a"b\\c'), '"a\\"b\\\\c"');
  assert.throws(() => toSystemdArg('a\nb'), /may not contain a line break/);
});

test("the agent's unit runs berth agent run with its flags, named apart from berth up's", () => {
  const unit = renderServiceUnit(AGENT_SERVICE, {
    node: '/usr/bin/node',
    cli: '/opt/berth/apps/cli/dist/main.js',
    args: ['--data-dir', '/var/lib/berth-agent'],
    readme: '/opt/berth/README.md',
  });
  assert.match(
    unit,
    /^ExecStart=\/usr\/bin\/node \/opt\/berth\/apps\/cli\/dist\/main\.js agent run --data-dir \/var\/lib\/berth-agent$/m,
  );
  assert.ok(unit.split('\n').includes('SyslogIdentifier=berth-agent'));
  assert.equal(AGENT_SERVICE.unitName, 'berth-agent.service');
});
