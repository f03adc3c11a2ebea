#!/usr/bin/env node
/**
 * Lists import cycles in src/, type-only imports included: between files, and between feature folders
 * (src/<folder>/; the files at the top of src/ are the composition root, which may import anything).
 * Exits 1 when there is one. Run: node scripts/import-cycles.mjs [--edges]
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..', 'src');
const showEdges = process.argv.includes('--edges');

/** Every .ts/.tsx file below dir. */
function sourceFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

/** The files a file imports or re-exports from (relative specifiers only; `import type` counts). */
function importsOf(file) {
  const text = fs.readFileSync(file, 'utf8');
  const targets = new Set();
  for (const [, specifier] of text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"](\.[^'"]+)['"]/gm)) {
    const base = path.resolve(path.dirname(file), specifier).replace(/\.js$/, '');
    const target = ['.ts', '.tsx'].map((ext) => base + ext).find((candidate) => fs.existsSync(candidate));
    if (target) targets.add(target);
  }
  return targets;
}

/** Strongly connected components with more than one node (Tarjan): the cycles. */
function cycles(graph) {
  let next = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const found = [];
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node), low.get(target)));
      } else if (stack.includes(target)) low.set(node, Math.min(low.get(node), index.get(target)));
    }
    if (low.get(node) !== index.get(node)) return;
    const component = stack.splice(stack.indexOf(node));
    if (component.length > 1) found.push(component);
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

const files = new Map(sourceFiles(root).map((file) => [file, importsOf(file)]));
const relative = (file) => path.relative(root, file);
const featureOf = (file) => (relative(file).includes(path.sep) ? relative(file).split(path.sep)[0] : null);

const features = new Map();
const edges = [];
for (const [file, targets] of files) {
  const from = featureOf(file);
  if (!from) continue;
  if (!features.has(from)) features.set(from, new Set());
  for (const target of targets) {
    const to = featureOf(target);
    if (!to || to === from) continue;
    features.get(from).add(to);
    edges.push({ from, to, text: `${relative(file)} -> ${relative(target)}` });
  }
}

const fileCycles = cycles(files);
const featureCycles = cycles(features);
for (const cycle of fileCycles) console.log(`files: ${cycle.map(relative).join(' <-> ')}`);
for (const cycle of featureCycles) {
  console.log(`features: ${cycle.join(' <-> ')}`);
  if (!showEdges) continue;
  for (const edge of edges)
    if (cycle.includes(edge.from) && cycle.includes(edge.to)) console.log(`  ${edge.text}`);
}
if (fileCycles.length + featureCycles.length === 0) console.log('no import cycles');
process.exitCode = fileCycles.length + featureCycles.length === 0 ? 0 : 1;
