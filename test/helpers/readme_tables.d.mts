/** Types of readme_tables.mjs (plain JavaScript so generator scripts run with node alone). */
export interface MarkdownTable {
  heading: string;
  folder: string | undefined;
  columns: string[];
  rows: Array<Record<string, string>>;
}
export function markdownTables(markdown: string): MarkdownTable[];
export function unquote(cell: string): string;
export function parseWhatItIs(text: string): Record<string, unknown>;
export function readTestdataReadme(path: string): MarkdownTable[];
