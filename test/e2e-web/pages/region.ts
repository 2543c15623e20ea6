// The e2e register is shared by every spec, in file order. A spec that sends packets to a reference receiver of its
// own must first make the register what the regional segment expects of it: every pupil without СНИЛС has a
// document (the packet schema refuses one with neither), and the receiver knows the school's last accepted packet
// (a real region has the whole chain; a fresh receiver would see a gap in the sequence).
import fs from 'node:fs';
import path from 'node:path';
import type { Api } from './api';

/** Gives each pupil with neither СНИЛС nor a document a birth certificate, as a clerk would. */
export async function documentsForPupilsWithout(api: Api): Promise<void> {
  for (let offset = 0; ; offset += 1000) {
    const page = await api.call('students.search', { limit: 1000, offset });
    for (const row of page.rows.filter((r) => !r.snils)) {
      const s = await api.call('students.get', { id: row.id });
      if (s.docNumber) continue;
      const { id, currentClass: _c, bookEntry: _b, status: _s, version, ...data } = s;
      await api.call('students.update', { id, version, data: { ...data, docKind: 'birth_certificate', docNumber: `E2E-${id.slice(0, 6)}` } });
    }
    if (offset + 1000 >= page.total) return;
  }
}

/** A receiver data folder that knows this register's last accepted packet, as the region would; `seeded`: whether
 *  there was one (its line is the folder's first in accepted.jsonl). */
export async function regionThatKnowsTheChain(api: Api, dataDir: string): Promise<{ dataDir: string; seeded: boolean }> {
  fs.mkdirSync(dataDir, { recursive: true });
  const school = (await api.call('school.get', {}))!;
  const last = (await api.call('packets.list', {})).rows.find((r) => r.state === 'accepted');
  if (last) {
    fs.writeFileSync(path.join(dataDir, 'accepted.jsonl'), JSON.stringify({ receiptId: last.receipt!.receiptId, packetId: last.id, seq: last.seq,
      sha256: last.sha256, acceptedAt: last.acceptedAt, school: `${school.inn}/${school.ogrn}`, signer: last.signer }) + '\n');
  }
  return { dataDir, seeded: !!last };
}
