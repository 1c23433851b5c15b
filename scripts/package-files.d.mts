/** Types of scripts/package-files.mjs. */

/**
 * Every file path `pkg` names (exports, main, module, types, typesVersions), without the leading
 * `./`, sorted and without duplicates; subpath patterns (with `*`) are kept as patterns.
 */
export declare function namedFiles(pkg: Record<string, unknown>): string[];

/** The names of {@link namedFiles} that no path in `files` matches. */
export declare function missingFiles(
  pkg: Record<string, unknown>,
  files: Iterable<string>,
): string[];
