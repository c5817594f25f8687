// Shared by the HPACK tests: the RFC 7541 text and the http2jp story files, found by
// test/support/conformance.ts (skipped when absent).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { conformance, spec } from '../../../support/conformance.js';

export type Field = [string, string];

/** The RFC 7541 text (`RFC_7541.skip` when absent). */
export const RFC_7541 = spec('rfc7541.txt');

/** The RFC 7541 text, split into lines; none when the text is absent. */
export function rfcLines(): string[] {
  if (RFC_7541.skip) return [];
  return readFileSync(RFC_7541.path, 'utf8').split('\n');
}

/** One RFC 7541 Appendix C example: `#### C.x.y` section. */
export interface RfcExample {
  id: string;
  headers: Field[];
  wire: string;
  /** "Table size: N" after decoding (0 when the RFC says the table is empty). */
  tableSize: number;
}

/** Parse the Appendix C.2–C.6 examples (header list, hex dump, table size) out of the RFC text. */
export function rfcExamples(): RfcExample[] {
  const lines = rfcLines();
  const out: RfcExample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^#### (C\.[2-6]\.\d)\./.exec(lines[i]!);
    if (!m) continue;
    const ex: RfcExample = { id: m[1]!, headers: [], wire: '', tableSize: 0 };
    let j = i + 1;
    const until = (text: string) => {
      while (lines[j] !== text) j++;
      j += 2; // skip the heading and the blank line after it
    };
    until('Header list to encode:');
    for (; lines[j]!.trim() !== ''; j++) {
      const line = lines[j]!;
      const colon = line.indexOf(': ', 1); // names may start with ':'
      ex.headers.push([line.slice(0, colon), line.slice(colon + 2)]);
    }
    until('Hex dump of encoded data:');
    for (; lines[j]!.trim() !== ''; j++) ex.wire += lines[j]!.split('|')[0]!.replace(/\s+/g, '');
    for (; j < lines.length && !lines[j]!.startsWith('#'); j++) {
      const size = /^\s+Table size:\s+(\d+)/.exec(lines[j]!);
      if (size) ex.tableSize = Number(size[1]);
    }
    out.push(ex);
  }
  return out;
}

/** An http2jp story file: one compression context. */
export interface Story {
  file: string;
  cases: Array<{ seqno?: number; header_table_size?: number | null; wire?: string; headers: Field[] }>;
}

/** The story folders (`STORIES_DIR.skip` when absent). */
export const STORIES_DIR = conformance('hpack');
export const STORIES = STORIES_DIR.path;

/** Story folders (one per encoder, plus raw-data); none when the stories are absent. */
export function storyFolders(): string[] {
  if (STORIES_DIR.skip) return [];
  return readdirSync(STORIES, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/** Every story of a folder, headers turned into ordered [name, value] pairs. */
export function readStories(folder: string): Story[] {
  return readdirSync(join(STORIES, folder))
    .filter((f) => /^story_\d+\.json$/.test(f))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(join(STORIES, folder, file), 'utf8')) as {
        cases: Array<{ seqno?: number; header_table_size?: number | null; wire?: string; headers: Array<Record<string, string>> }>;
      };
      return {
        file: `${folder}/${file}`,
        cases: json.cases.map((c) => ({ ...c, headers: c.headers.map((h) => Object.entries(h)[0] as Field) })),
      };
    });
}
