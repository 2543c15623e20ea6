// Where the shell finds the register file and its own parts.
import path from 'node:path';

export const DEFAULT_DB_FILE = 'register.sqlite';

/** --db FILE (or --db=FILE) wins over $SCHOOL_REGISTER_DB, which wins over <userData>/register.sqlite. */
export function resolveDbPath(argv: readonly string[], env: NodeJS.ProcessEnv, userDataDir: string, cwd = process.cwd()): string {
  let fromArgs: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === '--db' && argv[i + 1]) fromArgs = argv[i + 1];
    else if (arg.startsWith('--db=') && arg.length > 5) fromArgs = arg.slice(5);
  });
  const chosen = fromArgs ?? (env.SCHOOL_REGISTER_DB || undefined);
  return chosen ? path.resolve(cwd, chosen) : path.join(userDataDir, DEFAULT_DB_FILE);
}

/** The built renderer and preload, relative to the app root (the repo in development, app.asar when packed). */
export function shellFiles(appRoot: string): { rendererDir: string; preload: string } {
  return {
    rendererDir: path.join(appRoot, 'out', 'renderer'),
    preload: path.join(appRoot, 'out', 'electron', 'preload.cjs'),
  };
}
