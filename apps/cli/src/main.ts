#!/usr/bin/env node
import { CommanderError } from 'commander';
import type { CliEnvironment } from './cli/environment.js';
import { EXIT } from './cli/exit-codes.js';
import { createProgram } from './program.js';

// The one place the CLI reads its process's environment.
const environment: CliEnvironment = Object.freeze({
  env: Object.freeze({ ...process.env }),
  isRoot: process.getuid?.() === 0,
});

const program = createProgram(environment);

program.parseAsync(process.argv).catch((err: unknown) => {
  // Usage errors (unknown flag, missing argument, bad value) are the user's: exit 1.
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? EXIT.ok : EXIT.userError;
    return;
  }
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = EXIT.internal;
});
