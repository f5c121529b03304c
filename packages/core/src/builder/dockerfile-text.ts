import { BerthError, ImageRef, RelPath, ShellCommand } from '@berth/protocol';

/**
 * The only way text gets into a generated Dockerfile. Values from a source tree or berth.yaml
 * are checked here and branded; `line` accepts nothing but literals, branded values and
 * integers, so an unchecked string cannot reach a Dockerfile by accident. A stray newline, a
 * trailing backslash or a `<<EOF` in a value would otherwise start, join or swallow instructions.
 */

declare const brand: unique symbol;
type Brand<K extends string> = string & { readonly [brand]: K };

/** An image reference checked against ImageRef. */
export type ImageText = Brand<'image'>;
/** A relative path inside the source, checked against RelPath and not starting with "-". */
export type PathText = Brand<'path'>;
/** A one-line shell command, checked against ShellCommand. Only ever written in exec form. */
export type CommandText = Brand<'command'>;
/** One finished Dockerfile instruction. */
export type DockerLine = Brand<'line'>;

/** Where a value came from: the manifest key it was set under, or a description of the file. */
export type Origin = { manifestKey: string } | { found: string };

function reject(origin: Origin, value: string, message: string): never {
  if ('manifestKey' in origin) {
    throw new BerthError(
      'BUILD_MANIFEST_INVALID',
      `berth.yaml is not valid: ${origin.manifestKey} ${message}`,
      {
        issues: [{ path: origin.manifestKey, message }],
      },
    );
  }
  // JSON.stringify shows hidden characters such as newlines in the value.
  throw new BerthError('BUILD_DETECTION_FAILED', `${origin.found} ${JSON.stringify(value)} ${message}`, {
    hint: 'Fix the value, or set builder:, build: and start: in berth.yaml.',
  });
}

export function toImageText(value: string, origin: Origin): ImageText {
  const result = ImageRef.safeParse(value);
  if (!result.success) reject(origin, value, result.error.issues[0]?.message ?? 'is not an image reference');
  return value as ImageText;
}

export function toPathText(value: string, origin: Origin): PathText {
  const result = RelPath.safeParse(value);
  if (!result.success) reject(origin, value, result.error.issues[0]?.message ?? 'is not a relative path');
  // A leading "-" would read as a flag to COPY or to the program it is passed to.
  if (value.split('/').some((segment) => segment.startsWith('-'))) {
    reject(origin, value, 'must not have a part starting with "-"');
  }
  return value as PathText;
}

export function toCommandText(value: string, origin: Origin): CommandText {
  const result = ShellCommand.safeParse(value);
  if (!result.success) reject(origin, value, result.error.issues[0]?.message ?? 'is not a one-line command');
  return value as CommandText;
}

/** An instruction from literal text and checked values: line`COPY ${path} ./`. */
export function line(
  literals: TemplateStringsArray,
  ...values: readonly (ImageText | PathText | number)[]
): DockerLine {
  let text = literals[0] ?? '';
  values.forEach((value, i) => {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new RangeError(`not an integer: ${value}`);
    }
    text += String(value) + (literals[i + 1] ?? '');
  });
  return text as DockerLine;
}

/** `COPY a b ./`: copies files into the working directory, keeping their names. */
export function copyToWorkdir(sources: readonly PathText[]): DockerLine {
  if (sources.length === 0) throw new RangeError('COPY needs at least one source');
  return `COPY ${sources.join(' ')} ./` as DockerLine;
}

/**
 * An instruction in JSON exec form. JSON.stringify escapes every control character, and exec
 * form gets neither variable substitution, heredocs nor line continuation from the parser.
 */
export function execForm(instruction: 'RUN' | 'CMD', argv: readonly [string, ...string[]]): DockerLine {
  if (argv.some((arg) => arg.includes('\0'))) throw new RangeError('argv must not contain NUL');
  return `${instruction} ${JSON.stringify(argv)}` as DockerLine;
}

/** `sh -c <command>` in exec form, for commands a person wrote. */
export const shellForm = (instruction: 'RUN' | 'CMD', command: CommandText): DockerLine =>
  execForm(instruction, ['sh', '-c', command]);

export const renderDockerfile = (lines: readonly DockerLine[]): string => `${lines.join('\n')}\n`;
