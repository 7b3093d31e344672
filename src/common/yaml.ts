/**
 * YAML for a JSON value, in block style. Every string is written as a JSON string, which YAML
 * 1.2 reads as the same double-quoted scalar, so nothing needs YAML's own quoting rules.
 */
export function toYaml(value: unknown, depth = 0): string {
  return `${block(value, depth)}\n`;
}

const pad = (depth: number): string => '  '.repeat(depth);
const scalar = (value: unknown): string => (value === undefined ? 'null' : JSON.stringify(value));
const isNested = (value: unknown): boolean =>
  typeof value === 'object' && value !== null && (Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0);

function block(value: unknown, depth: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return value.map((item) => `${pad(depth)}-${isNested(item) ? `\n${block(item, depth + 1)}` : ` ${block(item, depth + 1)}`}`).join('\n');
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, child]) => child !== undefined);
    if (entries.length === 0) return '{}';
    return entries.map(([key, child]) => `${pad(depth)}${JSON.stringify(key)}:${isNested(child) ? `\n${block(child, depth + 1)}` : ` ${block(child, depth + 1)}`}`).join('\n');
  }
  return scalar(value);
}
