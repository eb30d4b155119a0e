// Every relative link in every Markdown file of the repository resolves inside it: a newcomer who
// follows links never leaves the repository or meets a dead one. Anchors (#section) must name a
// heading of the file they point into. Runs with node --test; needs only git.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.md'], {
  cwd: root,
  encoding: 'utf8',
})
  .split('\n')
  .filter((f) => f && !f.includes('node_modules/') && existsSync(join(root, f)));

/** The text outside fenced code blocks. */
function unfenced(markdown) {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** The text outside code, where a link is a link. */
function prose(markdown) {
  return unfenced(markdown).replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading) {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[`*]/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{N}_ -]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file) {
  const seen = new Map();
  const out = new Set();
  for (const m of unfenced(readFileSync(file, 'utf8')).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1]);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

function links(markdown) {
  const text = prose(markdown);
  return [
    ...[...text.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
    ...[...text.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]),
    ...[...text.matchAll(/\b(?:href|src)="([^"]+)"/g)].map((m) => m[1]),
  ];
}

test('the repository has Markdown to check', () => {
  assert.ok(files.includes('README.md') && files.includes('docs/README.md'), files.join(', '));
});

for (const file of files) {
  test(file, () => {
    const path = join(root, file);
    const dead = [];
    for (const link of links(readFileSync(path, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue; // https:, mailto: ... are not repository links
      const [target, anchor] = link.split('#');
      const resolved = target === '' ? path : resolve(dirname(path), decodeURIComponent(target));
      const inside = resolved === root || resolved.startsWith(root + sep);
      if (!inside) {
        dead.push(`${link} leaves the repository`);
      } else if (!existsSync(resolved)) {
        dead.push(`${link}: no ${relative(root, resolved)}`);
      } else if (anchor && statSync(resolved).isFile() && resolved.endsWith('.md') && !anchors(resolved).has(anchor)) {
        dead.push(`${link}: no heading #${anchor} in ${relative(root, resolved)}`);
      }
    }
    assert.deepEqual(dead, []);
  });
}
