// build/electron-builder.yml, packed for real (linux `dir` target) against a stub Electron: see build/scripts/pack-check.mjs.
import { expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { packCheck } from '../../build/scripts/pack-check.mjs';

it('packs app.asar with the bundles, the UI and better-sqlite3, and flips the fuses', async () => {
  const { files, fuses } = await packCheck();
  expect(files).toContain('/out/electron/main.cjs');
  // pdfmake's fonts beside the bundle: ledgers and printouts embed Roboto (Cyrillic) in the installed app too
  for (const f of ['Roboto-Regular.ttf', 'Roboto-Medium.ttf', 'Roboto-Italic.ttf', 'Roboto-MediumItalic.ttf']) expect(files).toContain(`/out/electron/fonts/Roboto/${f}`);
  // and pdfkit's sRGB profile where its PDF/A mode reads it (data/ beside the bundle): sealed documents are PDF/A-2b
  expect(files).toContain('/out/electron/data/sRGB_IEC61966_2_1.icc');
  expect(fuses).toMatchObject({ runAsNode: false, onlyLoadAppFromAsar: true, enableNodeCliInspectArguments: false });
}, 120_000);
