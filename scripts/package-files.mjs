// The files package.json promises to users: every path named by `exports` (all conditions, all
// subpaths), `main`, `module`, `types` and `typesVersions`. scripts/prepare.mjs builds when one is
// missing from the working copy; scripts/consumer-check.mjs fails when one is missing from the
// packed tarball.

/**
 * Every file path `pkg` names, without the leading `./`, sorted and without duplicates. A path
 * with `*` (a subpath pattern) is kept as a pattern: match it with {@link missingFiles}.
 * @param {Record<string, unknown>} pkg a parsed package.json
 * @returns {string[]}
 */
export function namedFiles(pkg) {
  const names = new Set();
  const add = (value) => {
    if (typeof value === 'string') names.add(value.replace(/^\.\//, ''));
    else if (Array.isArray(value)) value.forEach(add);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(add);
  };
  add(pkg.exports);
  add(pkg.main);
  add(pkg.module);
  add(pkg.types);
  add(pkg.typings);
  // typesVersions: { "<ts range>": { "<subpath>": ["<path>", ...] } }
  for (const paths of Object.values(pkg.typesVersions ?? {})) add(paths);
  return [...names].sort();
}

/**
 * The names of {@link namedFiles} that no path in `files` matches (a `*` matches any run of
 * characters, as in `exports` patterns).
 * @param {Record<string, unknown>} pkg a parsed package.json
 * @param {Iterable<string>} files paths relative to the package root, without `./`
 * @returns {string[]}
 */
export function missingFiles(pkg, files) {
  const have = new Set(files);
  return namedFiles(pkg).filter((name) => {
    if (!name.includes('*')) return !have.has(name);
    const escaped = name.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
    const pattern = new RegExp(`^${escaped.join('.*')}$`);
    return ![...have].some((file) => pattern.test(file));
  });
}
