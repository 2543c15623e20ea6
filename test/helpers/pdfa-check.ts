// Our own check of what PDF/A-2b asks of a file, for CI: veraPDF (the reference validator) cannot be installed here.
// The file is read by outside referees — qpdf (structure, objects, decoded streams), pdffonts (embedding, ToUnicode),
// Python's XML parser (the XMP packet) — and this module only compares what they report. It covers the properties
// our documents could get wrong (see pdfaProblems), not the whole of ISO 19005-2.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Dict = { [k: string]: Json };
type QpdfObject = { value?: Json; stream?: { dict: Dict; data?: string } };

const isDict = (v: Json | undefined): v is Dict => !!v && typeof v === 'object' && !Array.isArray(v);
const isRef = (v: Json | undefined): v is string => typeof v === 'string' && /^\d+ \d+ R$/.test(v);

/** qpdf's JSON v2 writes a string as "u:text" (it decoded it) or "b:hex" (bytes); names start with «/». */
function pdfString(v: Json | undefined): string | null {
  if (typeof v !== 'string') return null;
  if (v.startsWith('u:')) return v.slice(2);
  if (v.startsWith('b:')) {
    const bytes = Buffer.from(v.slice(2), 'hex');
    if (bytes[0] === 0xfe && bytes[1] === 0xff) return Buffer.from(bytes.subarray(2)).swap16().toString('utf16le');
    return bytes.toString('latin1');
  }
  return null;
}

/** A PDF date (D:YYYYMMDDHHmmSSOHH'mm') or an XMP date (ISO 8601) as milliseconds since 1970, null if unreadable. */
function instant(s: string | null | undefined): number | null {
  if (!s) return null;
  const pdf = /^D:(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(Z|[+-]\d{2}'?\d{2}'?)?/.exec(s);
  if (pdf) {
    const [, y, mo = '01', d = '01', h = '00', mi = '00', se = '00', tz = 'Z'] = pdf;
    const zone = tz === 'Z' ? 'Z' : `${tz.slice(0, 3)}:${tz.replace(/'/g, '').slice(3, 5) || '00'}`;
    const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${se}${zone}`);
    return Number.isNaN(t) ? null : t;
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}

// The XMP properties PDF/A ties to the Info dictionary, read by Python's ElementTree (namespaces resolved by it).
const READ_XMP = String.raw`
import json, sys, xml.etree.ElementTree as ET
NS = {'rdf': 'http://www.w3.org/1999/02/22-rdf-syntax-ns#', 'dc': 'http://purl.org/dc/elements/1.1/',
      'xmp': 'http://ns.adobe.com/xap/1.0/', 'pdf': 'http://ns.adobe.com/pdf/1.3/', 'pdfaid': 'http://www.aiim.org/pdfa/ns/id/'}
root = ET.fromstring(sys.stdin.buffer.read())
out = {}
def simple(prefix, name):
    tag = '{%s}%s' % (NS[prefix], name)
    for d in root.iter('{%s}Description' % NS['rdf']):
        if tag in d.attrib: return d.attrib[tag]
        e = d.find(prefix + ':' + name, NS)
        if e is not None: return (e.text or '').strip()
    return None
def items(prefix, name, container):
    e = root.find('.//' + prefix + ':' + name, NS)
    if e is None: return None
    c = e.find('rdf:' + container, NS)
    return [(li.text or '') for li in c.findall('rdf:li', NS)] if c is not None else None
def x_default(prefix, name):
    e = root.find('.//' + prefix + ':' + name, NS)
    if e is None: return None
    for li in e.findall('rdf:Alt/rdf:li', NS):
        if li.get('{http://www.w3.org/XML/1998/namespace}lang') == 'x-default': return li.text or ''
    return None
for p, n in [('pdfaid', 'part'), ('pdfaid', 'conformance'), ('pdf', 'Producer'), ('pdf', 'Keywords'),
             ('xmp', 'CreatorTool'), ('xmp', 'CreateDate'), ('xmp', 'ModifyDate')]:
    out[p + ':' + n] = simple(p, n)
out['dc:title'] = x_default('dc', 'title')
out['dc:description'] = x_default('dc', 'description')
out['dc:creator'] = items('dc', 'creator', 'Seq')
print(json.dumps(out))
`;

type Xmp = Record<string, string | null> & { 'dc:creator': string[] | null };

function readXmp(packet: Buffer): Xmp | string {
  const r = spawnSync('python3', ['-c', READ_XMP], { input: packet, encoding: 'utf8' });
  if (r.error) return `python3 could not be run to read the XMP (${r.error.message})`;
  if (r.status !== 0) return `the XMP metadata is not well-formed XML: ${r.stderr.trim().split('\n').pop()}`;
  return JSON.parse(r.stdout) as Xmp;
}

/**
 * What keeps the PDF file from being PDF/A-2b, as a list of sentences; empty when our checks find nothing.
 * Checked: the header; qpdf --check; no encryption; the catalog's Metadata stream, an XMP packet with pdfaid:part 2
 * and conformance B whose dc:title, dc:creator, dc:description, pdf:Producer, pdf:Keywords, xmp:CreatorTool,
 * xmp:CreateDate and xmp:ModifyDate say what the Info dictionary says; a GTS_PDFA1 OutputIntent whose
 * DestOutputProfile is an ICC profile of an RGB device (the documents use DeviceRGB), and no DeviceCMYK in the
 * pages' or forms' content; no transparency (transparency
 * groups, soft masks, CA/ca below 1, blend modes other than Normal); no JavaScript or launch actions, no embedded
 * files; every font embedded (pdffonts emb, and a FontFile in every descriptor) with a ToUnicode map (pdffonts uni).
 */
export function pdfaProblems(file: string): string[] {
  const problems: string[] = [];
  const bytes = fs.readFileSync(file);

  // ISO 19005-2 6.1.2: «%PDF-1.n» at byte 0, then a comment line of at least four bytes above 127
  const head = bytes.subarray(0, 32).toString('latin1');
  if (!/^%PDF-1\.[0-7]\r?\n%[\x80-\xff]{4}/.test(head)) problems.push(`header is not «%PDF-1.n» followed by a binary comment: ${JSON.stringify(head.slice(0, 16))}`);

  const check = spawnSync('qpdf', ['--check', file], { encoding: 'utf8' });
  if (check.status !== 0) problems.push(`qpdf --check: exit ${check.status}: ${(check.stdout + check.stderr).trim()}`);

  const json = JSON.parse(execFileSync('qpdf', ['--json', '--json-stream-data=inline', '--decode-level=generalized', file], {
    encoding: 'utf8', maxBuffer: 512 * 1024 * 1024,
  })) as { encrypt?: { encrypted?: boolean }; attachments?: Record<string, unknown>; pages?: Array<{ contents: string[] }>;
    qpdf: [unknown, Record<string, QpdfObject>] };
  const objects = json.qpdf[1];
  const obj = (ref: Json | undefined): QpdfObject | undefined => (isRef(ref) ? objects[`obj:${ref}`] : undefined);
  const value = (v: Json | undefined): Json | undefined => (isRef(v) ? (obj(v)?.value ?? obj(v)?.stream?.dict) : v);
  const streamData = (ref: Json | undefined): Buffer | null => {
    const data = obj(ref)?.stream?.data;
    return typeof data === 'string' ? Buffer.from(data, 'base64') : null;
  };

  const trailer = objects.trailer?.value;
  if (!isDict(trailer)) return [...problems, 'qpdf found no trailer'];
  if (json.encrypt?.encrypted || '/Encrypt' in trailer) problems.push('the file is encrypted (/Encrypt in the trailer)');
  if (!Array.isArray(trailer['/ID'])) problems.push('the trailer has no /ID');
  const catalog = value(trailer['/Root']);
  if (!isDict(catalog)) return [...problems, 'no document catalog'];

  // the XMP packet and the Info dictionary
  const metaRef = catalog['/Metadata'];
  const metaDict = obj(metaRef)?.stream?.dict;
  const packet = streamData(metaRef);
  if (!metaDict || !packet) {
    problems.push('the catalog has no /Metadata stream');
  } else {
    if (metaDict['/Type'] !== '/Metadata' || metaDict['/Subtype'] !== '/XML') problems.push('the /Metadata stream is not /Type /Metadata /Subtype /XML');
    const xmp = readXmp(packet);
    if (typeof xmp === 'string') {
      problems.push(xmp);
    } else {
      if (xmp['pdfaid:part'] !== '2') problems.push(`XMP pdfaid:part is ${JSON.stringify(xmp['pdfaid:part'])}, not "2"`);
      if (xmp['pdfaid:conformance'] !== 'B') problems.push(`XMP pdfaid:conformance is ${JSON.stringify(xmp['pdfaid:conformance'])}, not "B"`);
      const info = value(trailer['/Info']);
      const infoText = (key: string) => (isDict(info) ? pdfString(value(info[key])) : null);
      const same = (key: string, xmpName: string, xmpValue: string | null) => {
        const v = infoText(key);
        if (v !== null && v !== xmpValue) problems.push(`Info ${key} ${JSON.stringify(v)} differs from XMP ${xmpName} ${JSON.stringify(xmpValue)}`);
      };
      same('/Title', 'dc:title', xmp['dc:title']);
      same('/Subject', 'dc:description', xmp['dc:description']);
      same('/Keywords', 'pdf:Keywords', xmp['pdf:Keywords']);
      same('/Producer', 'pdf:Producer', xmp['pdf:Producer']);
      same('/Creator', 'xmp:CreatorTool', xmp['xmp:CreatorTool']);
      const author = infoText('/Author');
      const creators = xmp['dc:creator'];
      if (author !== null && !(creators?.length === 1 && creators[0] === author)) {
        problems.push(`Info /Author ${JSON.stringify(author)} differs from XMP dc:creator ${JSON.stringify(creators)}`);
      }
      for (const [key, xmpName] of [['/CreationDate', 'xmp:CreateDate'], ['/ModDate', 'xmp:ModifyDate']] as const) {
        const v = infoText(key);
        if (v === null) continue;
        const a = instant(v);
        const b = instant(xmp[xmpName]);
        if (a === null || a !== b) problems.push(`Info ${key} ${v} differs from XMP ${xmpName} ${JSON.stringify(xmp[xmpName])}`);
      }
    }
  }

  // the output intent: the colour the document's DeviceRGB means
  const intents = value(catalog['/OutputIntents']);
  const pdfa = Array.isArray(intents) ? intents.map(value).filter(isDict).filter((d) => d['/S'] === '/GTS_PDFA1') : [];
  if (!pdfa.length) {
    problems.push('no /OutputIntents entry with /S /GTS_PDFA1');
  } else {
    const profiles = new Set(pdfa.map((d) => d['/DestOutputProfile']));
    if (profiles.size > 1) problems.push('the GTS_PDFA1 output intents name different profiles');
    const profileRef = pdfa[0]['/DestOutputProfile'];
    const icc = streamData(profileRef);
    if (!icc) {
      problems.push('the GTS_PDFA1 output intent has no /DestOutputProfile stream');
    } else {
      // ICC.1 header: 36 «acsp», 8 major version, 12 device class, 16 colour space of the data
      const at = (o: number) => icc.subarray(o, o + 4).toString('latin1');
      if (icc.length < 128 || at(36) !== 'acsp') problems.push('the /DestOutputProfile is not an ICC profile');
      else {
        if (at(16) !== 'RGB ') problems.push(`the output profile's colour space is ${JSON.stringify(at(16))}, not RGB`);
        if (icc[8] > 4) problems.push(`the output profile is ICC version ${icc[8]}, newer than PDF/A-2 allows`);
        if (!['mntr', 'prtr'].includes(at(12))) problems.push(`the output profile's device class is ${JSON.stringify(at(12))}`);
      }
      const n = obj(profileRef)?.stream?.dict['/N'];
      if (n !== 3) problems.push(`the output profile stream has /N ${JSON.stringify(n)}, not 3`);
    }
  }

  // every object, looked at once: transparency, actions, fonts
  if (json.attachments && Object.keys(json.attachments).length) problems.push('the file has embedded files');
  const found = new Set<string>();
  const visit = (v: Json | undefined) => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!isDict(v)) return;
    for (const key of ['/CA', '/ca']) if (typeof v[key] === 'number' && (v[key] as number) < 1) found.add(`a graphics state with ${key} ${v[key]} (transparency)`);
    if ('/SMask' in v && v['/SMask'] !== '/None') found.add('a soft mask /SMask (transparency)');
    if (isDict(v['/Group']) && v['/Group']['/S'] === '/Transparency') found.add('a transparency group (/Group /S /Transparency)');
    if ('/BM' in v && !['/Normal', '/Compatible'].includes(v['/BM'] as string)) found.add(`a blend mode ${JSON.stringify(v['/BM'])}`);
    if ('/Encrypt' in v) found.add('an /Encrypt entry');
    if ('/JS' in v || v['/S'] === '/JavaScript' || v['/S'] === '/Launch' || '/JavaScript' in v) found.add('JavaScript or a launch action');
    if ('/EmbeddedFiles' in v) found.add('embedded files (/EmbeddedFiles)');
    if (v['/Type'] === '/FontDescriptor' && !('/FontFile' in v || '/FontFile2' in v || '/FontFile3' in v)) {
      found.add(`a font without its program (${JSON.stringify(v['/FontName'])} has no /FontFile*)`);
    }
    if (v['/Type'] === '/Font' && ['/Type1', '/TrueType', '/MMType1'].includes(v['/Subtype'] as string) && !('/FontDescriptor' in v)) {
      found.add(`a font without a descriptor, so not embedded (${JSON.stringify(v['/BaseFont'])})`);
    }
    Object.values(v).forEach(visit);
  };
  for (const [key, o] of Object.entries(objects)) if (key !== 'trailer') visit(o.value ?? o.stream?.dict);

  // colour: the output intent is RGB, so nothing may paint in DeviceCMYK (a colour space named, or the k/K operators)
  const drawn = [...(json.pages ?? []).flatMap((p) => p.contents), ...Object.entries(objects)
    .filter(([, o]) => o.stream?.dict['/Subtype'] === '/Form').map(([key]) => key.slice(4))];
  for (const ref of drawn) {
    const ops = streamData(ref)?.toString('latin1') ?? '';
    if (/\/DeviceCMYK\b/.test(ops) || /(?:^|\s)(?:-?[\d.]+\s+){4}[kK](?=\s|$)/.test(ops)) found.add(`DeviceCMYK colour in the content stream ${ref}, with an RGB output intent`);
  }
  if (Object.values(objects).some((o) => JSON.stringify(o.value ?? o.stream?.dict ?? null).includes('"/DeviceCMYK"'))) found.add('a /DeviceCMYK colour space, with an RGB output intent');
  problems.push(...found);

  // pdffonts: name type encoding emb sub uni object ID; the three yes/no columns come just before «N 0» at the end
  const rows = execFileSync('pdffonts', [file], { encoding: 'utf8' }).trim().split('\n').slice(2);
  for (const row of rows) {
    const m = /\s(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+\s*$/.exec(row);
    if (!m) problems.push(`pdffonts: cannot read the line ${JSON.stringify(row)}`);
    else {
      if (m[1] !== 'yes') problems.push(`font not embedded: ${row.trim().split(/\s+/)[0]}`);
      if (m[3] !== 'yes') problems.push(`font without ToUnicode (its text cannot be extracted): ${row.trim().split(/\s+/)[0]}`);
    }
  }
  return problems;
}
