// Locates libtorch as shared/DESIGN.md says: $LIBTORCH, then the `torch` package of python3, then
// Debian's libtorch-dev under /usr. Prints the folder that holds TorchConfig.cmake (CMake's
// Torch_DIR) and exits 0, or explains what was tried and exits 1.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const tried = [];

function torchDirUnder(prefix) {
  for (const sub of ['share/cmake/Torch', 'lib/cmake/Torch', 'lib/x86_64-linux-gnu/cmake/Torch', 'lib/aarch64-linux-gnu/cmake/Torch']) {
    const dir = join(prefix, sub);
    if (existsSync(join(dir, 'TorchConfig.cmake'))) return dir;
  }
  tried.push(`${prefix} (no TorchConfig.cmake under share/cmake/Torch or lib/*/cmake/Torch)`);
  return null;
}

function fromEnv() {
  const p = process.env.LIBTORCH;
  return p ? torchDirUnder(p) : null;
}

function fromPython() {
  for (const py of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(py, ['-c', 'import torch, os; print(os.path.dirname(torch.__file__))'], { encoding: 'utf8' });
    if (r.status === 0) {
      const dir = torchDirUnder(r.stdout.trim());
      if (dir) return dir;
    } else {
      tried.push(`${py}: no importable torch`);
    }
  }
  return null;
}

function fromSystem() {
  return torchDirUnder('/usr');
}

const found = fromEnv() ?? fromPython() ?? fromSystem();
if (found) {
  console.log(found);
} else {
  console.error(`meatus: no libtorch found. Tried:\n  ${tried.join('\n  ')}\nSet $LIBTORCH, or install Debian's libtorch-dev.`);
  process.exit(1);
}
