// For a test file that signs with openssl-made certificates and asks the reference TSA for stamps: both made before
// its tests and removed after them. `.fx` and `.tsa` are there once the file's beforeAll has run.
import fs from 'node:fs';
import * as pkijs from 'pkijs';
import { afterAll, beforeAll } from 'vitest';
import { makeFixtures, type Fixtures } from './openssl-fixtures.ts';
import { startTsa, type ReferenceTsa } from '../tsa/server.ts';

export function fixturesWithTsa(): { fx: Fixtures; tsa: ReferenceTsa } {
  const env = {} as { fx: Fixtures; tsa: ReferenceTsa };
  beforeAll(async () => {
    env.fx = makeFixtures();
    env.tsa = await startTsa();
  }, 60_000);
  afterAll(async () => {
    await env.tsa?.close();
    if (env.fx) fs.rmSync(env.fx.dir, { recursive: true, force: true });
  });
  return env;
}

/** The signature value of a CMS's first signer: what a timestamp token's imprint is computed over. */
export const signatureValue = (cms: Buffer) => Buffer.from(new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(new Uint8Array(cms)).content })
  .signerInfos[0].signature.valueBlock.valueHexView);
