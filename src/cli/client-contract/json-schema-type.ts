type JsonSchema = Record<string, unknown>;

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const key = (name: string): string => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const pad = (depth: number): string => '  '.repeat(depth);
const union = (parts: string[]): string => [...new Set(parts)].join(' | ') || 'never';

/**
 * A TypeScript type for a JSON Schema as `z.toJSONSchema` writes it: what goes over the wire,
 * with no dependency on zod, for the client package's generated contract.
 */
export function typeOfJsonSchema(schema: unknown, depth = 0): string {
  if (schema === true || schema === undefined) return 'unknown';
  if (schema === false) return 'never';
  const node = schema as JsonSchema;
  if ('const' in node) return JSON.stringify(node.const);
  if (Array.isArray(node.enum)) return union(node.enum.map((value) => JSON.stringify(value)));
  for (const combinator of ['anyOf', 'oneOf'] as const) {
    const options = node[combinator];
    if (Array.isArray(options)) return union(options.map((option: unknown) => wrap(typeOfJsonSchema(option, depth))));
  }
  if (Array.isArray(node.allOf)) return node.allOf.map((part: unknown) => wrap(typeOfJsonSchema(part, depth))).join(' & ') || 'unknown';
  const type = node.type;
  if (Array.isArray(type)) return union(type.map((one: unknown) => typeOfJsonSchema({ ...node, type: one }, depth)));
  switch (type) {
    case 'string':
      return 'string';
    case 'number':
    case 'integer':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'null':
      return 'null';
    case 'array':
      return Array.isArray(node.prefixItems)
        ? `[${node.prefixItems.map((item: unknown) => typeOfJsonSchema(item, depth)).join(', ')}]`
        : `Array<${typeOfJsonSchema(node.items, depth)}>`;
    case 'object':
      return objectType(node, depth);
    default:
      return 'unknown';
  }
}

const wrap = (type: string): string => (type.includes(' | ') || type.includes(' & ') ? `(${type})` : type);

function objectType(node: JsonSchema, depth: number): string {
  const properties = (node.properties ?? {}) as Record<string, unknown>;
  const required = new Set((node.required ?? []) as string[]);
  const lines = Object.entries(properties).map(([name, property]) => {
    const description = (property as JsonSchema | undefined)?.description;
    const comment = typeof description === 'string' ? `${pad(depth + 1)}/** ${description.replace(/\*\//g, '*\\/')} */\n` : '';
    return `${comment}${pad(depth + 1)}${key(name)}${required.has(name) ? '' : '?'}: ${typeOfJsonSchema(property, depth + 1)};`;
  });
  const extra = node.additionalProperties;
  if (extra !== undefined && extra !== false) {
    // Beside named properties an index signature must admit them all: `unknown` does.
    const value = extra === true || lines.length > 0 ? 'unknown' : typeOfJsonSchema(extra, depth + 1);
    lines.push(`${pad(depth + 1)}[key: string]: ${value};`);
  }
  if (lines.length === 0) return 'Record<string, unknown>';
  return `{\n${lines.join('\n')}\n${pad(depth)}}`;
}
