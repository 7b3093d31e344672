/** How .env.example spells a secret to replace (`change-me-please`); config.spec.ts checks every one it ships. */
const PLACEHOLDER = /^change[-_ ]?me/i;

const GENERATED = 'or leave it empty to have one generated';

/** Variables that hold a password or a secret, with how to pick a real value. Their values are never echoed. */
export const SECRET_VARIABLES: Record<string, string> = {
  ADMIN_PASSWORD: `set a password of your own, ${GENERATED} and printed once`,
  JWT_SECRET: `set a random value of your own (openssl rand -base64 48), ${GENERATED}`,
  MEDIAMTX_HOOK_SECRET: 'set a random value of your own (openssl rand -hex 24) and give MediaMTX the same value',
  MEDIAMTX_SERVICE_PASSWORD: `set a random value of your own (openssl rand -hex 24), ${GENERATED}`,
  SECRETS_KEY: `set a key of your own (openssl rand -base64 32), ${GENERATED}`,
  SECRETS_OLD_KEYS: 'list only keys that were really used before',
  METRICS_TOKEN: 'set a random value of your own (openssl rand -hex 24) and give Prometheus the same value, or leave it empty',
  // Read only by docker compose, which builds DATABASE_URL from it; the relay gets it through env_file.
  POSTGRES_PASSWORD: 'set a password of your own (letters, digits and - _ . ~ only)',
  DATABASE_URL: 'set a password of your own for the database (POSTGRES_PASSWORD with docker compose)',
};

/** The secrets inside one variable's value: the entries of a list, the password of a URL. */
function secretsIn(name: string, value: string): string[] {
  if (name === 'SECRETS_OLD_KEYS') return value.split(',').map((key) => key.trim());
  if (name !== 'DATABASE_URL') return [value];
  try {
    return [decodeURIComponent(new URL(value).password)];
  } catch {
    return [];
  }
}

/** One problem per secret variable of `env` still set to a placeholder from .env.example. */
export function placeholderProblems(env: Record<string, string>): Map<string, string> {
  const problems = new Map<string, string>();
  for (const [name, fix] of Object.entries(SECRET_VARIABLES)) {
    const value = env[name];
    if (value === undefined || !secretsIn(name, value).some((secret) => PLACEHOLDER.test(secret))) continue;
    const what = name === 'DATABASE_URL' ? `${name} has the placeholder password from .env.example` : `${name} is the placeholder from .env.example`;
    problems.set(name, `${what}: ${fix}`);
  }
  return problems;
}
