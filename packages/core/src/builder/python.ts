import { line, toCommandText, toPathText, type DockerLine } from './dockerfile-text.js';
import {
  detectionFailed,
  manifestBuild,
  manifestStart,
  portLines,
  primaryImage,
  shellStart,
  startArgv,
  type Recipe,
  type RecipeContext,
  type Step,
} from './recipe.js';
import type { SourceTree } from './build-plan.js';
import { hasFile, readDetectionFile } from './source-tree.js';

const ENTRY_FILES = ['app.py', 'main.py', 'server.py'] as const;

/** Lines of requirements.txt that pull in other files, which are not copied before the install. */
const NEEDS_SOURCE = /^(?:-[rce]|--requirement|--constraint|--editable)|^[./]|file:/;

interface Install {
  /** Runs after only requirements.txt is copied, so a source change reuses the layer. */
  early: DockerLine[];
  late: DockerLine[];
  summary: string;
}

function requirementLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.replace(/(?:^|\s)#.*$/, '').trim())
    .filter((l) => l !== '');
}

function planInstall(tree: SourceTree): Install {
  const requirements = readDetectionFile(tree, 'requirements.txt');
  const wanted = requirements === null ? [] : requirementLines(requirements);
  if (wanted.length > 0) {
    const run = line`RUN pip install --no-cache-dir -r requirements.txt`;
    if (wanted.some((l) => NEEDS_SOURCE.test(l))) {
      return { early: [], late: [run], summary: 'requirements.txt (refers to other files) → pip install -r' };
    }
    return {
      early: [line`COPY requirements.txt ./`, run],
      late: [],
      summary: 'requirements.txt → pip install -r',
    };
  }
  const pyproject = readDetectionFile(tree, 'pyproject.toml');
  // A pyproject.toml with only tool settings (ruff, black) describes no package to install.
  if (pyproject !== null && /^\s*\[(?:project|build-system)\]/m.test(pyproject)) {
    return {
      early: [],
      late: [line`RUN pip install --no-cache-dir .`],
      summary: 'pyproject.toml → pip install .',
    };
  }
  return { early: [], late: [], summary: 'no dependencies listed → no install step' };
}

/** The command of the Procfile's `web:` process, as Heroku-style apps declare it. */
function procfileWeb(tree: SourceTree): Step | null {
  const text = readDetectionFile(tree, 'Procfile');
  if (text === null) return null;
  for (const raw of text.split('\n')) {
    const match = /^web[ \t]*:[ \t]*/.exec(raw);
    if (!match) continue;
    // Only a CRLF line ending is stripped; any other control character is rejected below.
    const command = raw.slice(match[0].length).replace(/\r$/, '').trimEnd();
    return shellStart(toCommandText(command, { found: 'the Procfile web: command' }), 'Procfile web');
  }
  return null;
}

function pythonStart(ctx: RecipeContext): Step {
  const start = manifestStart(ctx) ?? procfileWeb(ctx.tree);
  if (start) return start;
  const entry = ENTRY_FILES.find((f) => hasFile(ctx.tree, f));
  if (entry !== undefined) {
    return startArgv(['python3', toPathText(entry, { found: 'file' })], `${entry} at the root`);
  }
  return detectionFailed(
    `Found a Python app but not how to start it: no start: in berth.yaml, no web: line in a Procfile, no ${ENTRY_FILES.join(', ')}`,
    'Add start: to berth.yaml (e.g. start: gunicorn app:app --bind 0.0.0.0:$PORT), or a Procfile with a web: line.',
  );
}

export function pythonRecipe(ctx: RecipeContext): Recipe {
  const base = primaryImage(ctx, 'python');
  const install = planInstall(ctx.tree);
  const build = manifestBuild(ctx);
  const start = pythonStart(ctx);
  return {
    builder: 'python',
    lines: [
      line`FROM ${base.image}`,
      line`WORKDIR /app`,
      line`ENV PYTHONUNBUFFERED=1 VIRTUAL_ENV=/venv`,
      line`RUN python3 -m venv /venv`,
      line`ENV PATH=/venv/bin:$PATH`,
      ...install.early,
      line`COPY . .`,
      ...install.late,
      ...(build ? [build.line] : []),
      ...portLines(ctx.port),
      start.line,
    ],
    summary: [
      `Detected Python (${install.summary})`,
      base.summary,
      ...(build ? [build.summary] : []),
      start.summary,
    ],
  };
}
