// `npm run locks`: refreshes templates/project/requirements.lock and requirements-dev.lock, the
// hash-pinned lock files every new project starts with. It generates a default project and
// runs that project's own `python scripts/lock.py --upgrade` (uv, universal, with hashes), so
// the lock a project ships and the command its README gives for refreshing it are the same.
// Needs `uv` on PATH (python3 -m pip install uv). The locks do not depend on the answers.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'hf-locks-'));
try {
  const project = join(scratch, 'lock-source');
  execFileSync('node', [join(root, 'dist', 'generators', 'cli.js'), 'new', project, '--yes', '--skip-install'], { stdio: 'inherit' });
  execFileSync('python3', ['scripts/lock.py', '--upgrade'], { cwd: project, stdio: 'inherit' });
  for (const lock of ['requirements.lock', 'requirements-dev.lock']) {
    copyFileSync(join(project, lock), join(root, 'templates', 'project', lock));
    console.log(`updated templates/project/${lock}`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
