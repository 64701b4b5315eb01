#!/usr/bin/env node
// Finds import cycles (type-only imports included) between the TypeScript
// files under the folders given (default: every package's src/). Prints each
// cycle once; exits 1 if there is any. Relative imports only.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const dirs =
  process.argv.slice(2).length > 0
    ? process.argv.slice(2).map((d) => resolve(d))
    : readdirSync(join(root, 'packages'))
        .map((p) => join(root, 'packages', p, 'src'))
        .filter((d) => statSync(d, { throwIfNoEntry: false })?.isDirectory());

const files = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*'(\.{1,2}\/[^']+)'/g;
const graph = new Map();
for (const file of dirs.flatMap(files)) {
  const text = readFileSync(file, 'utf8');
  const targets = [...text.matchAll(IMPORT)].map((m) => resolve(dirname(file), m[1].replace(/\.js$/, '.ts')));
  graph.set(
    file,
    targets.filter((t) => t.endsWith('.ts')),
  );
}
const cycles = new Set();
const state = new Map(); // 1 visiting, 2 done
const stack = [];
function visit(file) {
  state.set(file, 1);
  stack.push(file);
  for (const next of graph.get(file) ?? []) {
    if (state.get(next) === 1) {
      const cycle = stack.slice(stack.indexOf(next)).map((f) => relative(root, f));
      const start = cycle.indexOf([...cycle].sort()[0]);
      cycles.add([...cycle.slice(start), ...cycle.slice(0, start)].join(' -> '));
    } else if (!state.has(next) && graph.has(next)) visit(next);
  }
  stack.pop();
  state.set(file, 2);
}
for (const file of graph.keys()) if (!state.has(file)) visit(file);
for (const cycle of cycles) console.log(`cycle: ${cycle}`);
console.log(
  cycles.size === 0
    ? `check-cycles: no import cycle in ${graph.size} files`
    : `check-cycles: ${cycles.size} import cycle(s)`,
);
process.exit(cycles.size === 0 ? 0 : 1);
