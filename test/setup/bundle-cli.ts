// Vitest global setup: bundle the CLI once before the tests, so that the CLI tests run what `npx school-register`
// runs (out/cli/cli.cjs) and the test files do not all find it stale and bundle it at once.
// @ts-expect-error: a plain ESM build script without types
import { bundleCli } from '../../build/scripts/bundle-cli.mjs';

export default async function setup(): Promise<void> {
  await bundleCli();
}
